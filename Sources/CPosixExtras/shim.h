// System calls the Glibc module does not export: extended attributes (ACLs of secret files)
// and process dumpability (no core dumps holding secrets).
#include <sys/xattr.h>
#include <sys/prctl.h>

/// prctl(PR_SET_DUMPABLE, value): prctl is variadic, which Swift cannot call.
static inline int posix_extras_set_dumpable(int value) { return prctl(PR_SET_DUMPABLE, (unsigned long)value, 0UL, 0UL, 0UL); }

/// prctl(PR_GET_DUMPABLE): 0 when the process may not dump core.
static inline int posix_extras_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0UL, 0UL, 0UL, 0UL); }
