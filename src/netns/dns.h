/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_DNS_H
#define BRO_NETNS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	253	/* dotted text, without the final dot */
#define DNS_MSG_MAX	4096	/* the largest query we read, the answer fits */
#define DNS_HDR		12

enum { DNS_A = 1, DNS_AAAA = 28 };
enum { DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3,
       DNS_NOTIMP = 4, DNS_REFUSED = 5 };

/**
 * struct dns_query - the one question of a standard query
 * @id:		the query's ID
 * @rd:		recursion desired, echoed
 * @opcode:	the header opcode (only 0, QUERY, is answered with data)
 * @name:	the name in lower case, dotted, no final dot ("" for the root)
 * @qtype, @qclass: as asked
 * @qend:	offset of the byte after the question in the message
 */
struct dns_query {
	uint16_t id;
	bool rd;
	uint8_t opcode;
	char name[DNS_NAME_MAX + 1];
	uint16_t qtype, qclass;
	size_t qend;
};

/**
 * dns_query_parse() - parse a query message (untrusted: fuzzed)
 * @b, @n:	the message (UDP payload, or a TCP message without its length)
 * @q:		filled in
 *
 * Return: 0; -EINVAL when there is no usable header (nothing can be
 *	   answered: drop); -EBADMSG when the header is usable but the
 *	   question is not (answer FORMERR with @q->id); -EOPNOTSUPP for a
 *	   response, or an opcode other than QUERY (answer NOTIMP)
 */
int dns_query_parse(const uint8_t *b, size_t n, struct dns_query *q);

/**
 * dns_answer() - build the response to @q
 * @q:		the parsed query (or only its header fields, for an error)
 * @query:	the query bytes (the question is copied from them); NULL to
 *		answer without the question section
 * @rcode:	DNS_NOERROR with @addr for one A record, DNS_NOERROR without
 *		@addr for NODATA, or an error code
 * @addr:	4 bytes of IPv4 address or NULL
 * @ttl:	seconds
 * @out:	at least @q->qend + 16 bytes (DNS_MSG_MAX + 16 always fits)
 *
 * Return: the response's length
 */
size_t dns_answer(const struct dns_query *q, const uint8_t *query, int rcode,
		  const uint8_t *addr, uint32_t ttl, uint8_t *out);

enum { DNS_FAKE_NAME, DNS_FAKE_SELF, DNS_FAKE_NXDOMAIN };

/**
 * dns_fake_rule() - what fake mode answers for @name (as dns_query_parse()
 *		     leaves it: lower case, dotted, no final dot, not empty)
 * @addr:	DNS_FAKE_SELF: the IPv4 address to answer (network order)
 *
 * Return: DNS_FAKE_SELF for an IPv4 literal in any form inet_aton() takes
 *	   (answered with itself) and for "localhost" and "*.localhost"
 *	   (127.0.0.1); DNS_FAKE_NXDOMAIN for a single-label name and one
 *	   whose last label is numeric (digits, or 0x and hex digits);
 *	   DNS_FAKE_NAME otherwise: a fake address, resolved at the proxy
 */
int dns_fake_rule(const char *name, uint8_t addr[4]);

/**
 * struct fakedns - names mapped to addresses of a range, FIFO recycled
 * @base:	first address (host order); entry i is @base + 1 + i
 * @cap:	entries (at most the range size - 2)
 * @next:	the entry to hand out (or recycle) next
 * @names:	entry -> name (malloc'd), NULL when free
 * @hash:	open-addressed table of entry + 1 (0: empty), 2 * @cap slots
 */
struct fakedns {
	uint32_t base, cap, next;
	char **names;
	uint32_t *hash;
	uint32_t hsize;
};

/* fakedns_init() - @cap entries from @base (host order); Return: 0, -ENOMEM */
int fakedns_init(struct fakedns *f, uint32_t base, uint32_t cap);
void fakedns_fini(struct fakedns *f);

/**
 * fakedns_lookup() - the address of @name, assigning one (and recycling the
 *		      oldest entry when full) when it has none
 * Return: the address in host order, or 0 when out of memory
 */
uint32_t fakedns_lookup(struct fakedns *f, const char *name);

/* fakedns_name() - the name @addr (host order) stands for, or NULL */
const char *fakedns_name(const struct fakedns *f, uint32_t addr);

#endif
