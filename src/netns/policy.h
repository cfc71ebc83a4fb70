/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_POLICY_H
#define BRO_NETNS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define POLICY_RULES_MAX	100000	/* rules in one policy */
#define POLICY_TEXT_MAX		(8u << 20)	/* bytes of one policy file */
#define POLICY_LINE_MAX		1024	/* bytes of one line of it */
#define POLICY_PATTERN_MAX	300	/* bytes of one pattern */

/**
 * struct policy - an ordered list of allow/deny rules, indexed for lookup
 *
 * Patterns (policy_add()):
 *   NAME		exact host name (case-insensitive, a final dot ignored)
 *   *.SUFFIX		any name below SUFFIX, at any depth; not SUFFIX itself
 *			and not "xSUFFIX" (label-wise: *.example.com matches
 *			a.example.com and a.b.example.com, not example.com,
 *			not badexample.com)
 *   ADDR		an IPv4 or IPv6 address ([ADDR] with a port for IPv6)
 *   ADDR/LEN		a CIDR (host bits must be zero)
 *   *			every destination
 *   any of them:PORT	that destination on that port only
 *
 * First match wins; with no match the default applies: deny once any
 * allow rule exists, allow otherwise. A name is matched by name patterns
 * (and "*") only, an address by address patterns (and "*") only.
 *
 * Lookup is a hash probe per candidate key: the exact name, then each
 * parent domain as a suffix (one per label), then one per CIDR prefix
 * length in use; among the rules found, the lowest index wins. So the
 * cost per connection does not grow with the number of rules.
 */
struct policy_ent;
struct policy {
	char **text;		/* rule i: "allow PATTERN" / "deny PATTERN" */
	bool *allow;
	uint32_t n, cap;
	struct policy_ent **tab;
	uint32_t tsize, tused;
	uint64_t lens4;		/* bit L: some IPv4 rule has prefix length L */
	uint64_t lens6[3];	/* bit L: some IPv6 rule has prefix length L */
	bool has_allow;
	bool has_names;		/* some rule is a name pattern */
};

/* policy_init() - an empty policy (allows everything) */
void policy_init(struct policy *p);
void policy_free(struct policy *p);

/**
 * policy_add() - append one rule
 * @allow:	allow (true) or deny
 * @pat:	the pattern (untrusted: fuzzed through policy_parse())
 * @err:	a one-line reason on failure
 *
 * Return: 0, -EINVAL (bad pattern), -E2BIG (too many rules), -ENOMEM
 */
int policy_add(struct policy *p, bool allow, const char *pat, char *err,
	       size_t size);

/**
 * policy_parse() - append the rules of a policy file's text
 * @text, @len:	"allow PATTERN" / "deny PATTERN" lines; blank lines and
 *		"#" comments (whole-line or after the pattern) are skipped
 * @src:	the file's name, for messages ("FILE:LINE: ...")
 *
 * Return: 0, -EINVAL with a reason in @err, -E2BIG, -ENOMEM
 */
int policy_parse(struct policy *p, const char *text, size_t len,
		 const char *src, char *err, size_t size);

/**
 * struct policy_verdict - the outcome of a lookup
 * @allow:	the verdict
 * @rule:	the rule that decided, 1-based; 0 for the default
 */
struct policy_verdict {
	bool allow;
	uint32_t rule;
};

/**
 * policy_check() - the verdict for a connection to @name (when not NULL:
 *		    a name the client asked DNS for) or else to @sa, on @port
 * @p:		the policy, or NULL (allow)
 * @name:	lower case, dotted, no final dot (as dns.c leaves it)
 */
struct policy_verdict policy_check(const struct policy *p, const char *name,
				   const struct sockaddr *sa, uint16_t port);

/**
 * policy_text() - the rules as policy-file text, one per line
 * Return: a malloc'd NUL-terminated string (its length in *@len), or NULL
 */
char *policy_text(const struct policy *p, size_t *len);

#endif
