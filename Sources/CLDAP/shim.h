#ifndef CLDAP_SHIM_H
#define CLDAP_SHIM_H

#include <lber.h>
#include <ldap.h>
#include <sys/time.h>

/* ldap_set_option takes `const void *`; these helpers give Swift typed entry points
   for the cases it cannot express directly (LDAP_OPT_ON/OFF are pointer constants). */

static inline int cldap_set_int_option(LDAP *ld, int option, int value) {
    return ldap_set_option(ld, option, &value);
}

static inline int cldap_set_string_option(LDAP *ld, int option, const char *value) {
    return ldap_set_option(ld, option, value);
}

static inline int cldap_set_flag_option(LDAP *ld, int option, int on) {
    return ldap_set_option(ld, option, on ? LDAP_OPT_ON : LDAP_OPT_OFF);
}

static inline int cldap_set_timeout_option(LDAP *ld, int option, long seconds, long microseconds) {
    struct timeval tv;
    tv.tv_sec = seconds;
    tv.tv_usec = microseconds;
    return ldap_set_option(ld, option, &tv);
}

/* The handle's last result code (LDAP_OPT_RESULT_CODE). */
static inline int cldap_result_code(LDAP *ld) {
    int code = LDAP_OTHER;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code);
    return code;
}

/* The handle's diagnostic message. "The caller should free the returned string
   with ldap_memfree()" (ldap_get_option(3)). */
static inline char *cldap_copy_diagnostic_message(LDAP *ld) {
    char *message = NULL;
    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message);
    return message;
}

static inline const char *cldap_paged_results_oid(void) {
    return LDAP_CONTROL_PAGEDRESULTS;
}

#endif
