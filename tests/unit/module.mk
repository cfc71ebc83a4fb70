# Unit tests: one TAP-printing program per parser or state machine.
UNIT_TESTS += unit-parse unit-helper-args unit-helper-conf
unit-parse_SRCS := tests/unit/unit-parse.c
unit-helper-args_SRCS := tests/unit/unit-helper-args.c src/helper/args.c
unit-helper-conf_SRCS := tests/unit/unit-helper-conf.c src/helper/conf.c
unit-helper-args_CPPFLAGS := -Isrc/helper
unit-helper-conf_CPPFLAGS := -Isrc/helper
