#ifndef CLDAP_SHIM_H
#define CLDAP_SHIM_H

#include <lber.h>
#include <ldap.h>
#include <string.h>
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

/* ---- RFC 4533 content synchronisation (syncrepl), hand-rolled: libldap's ldap_sync_poll hands
   the first message of a chain to every callback, so bursts would repeat one change and lose
   the others. Every function frees what it allocates; outputs say how to free them. ---- */

/* A critical sync request control: SEQUENCE { mode ENUMERATED, cookie OCTET STRING OPTIONAL }.
   Free *out with ldap_control_free. */
static inline int cldap_sync_request_control(int mode, const char *cookie, ber_len_t cookie_len, LDAPControl **out) {
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL) return LDAP_NO_MEMORY;
    int rc;
    if (cookie != NULL && cookie_len > 0) {
        struct berval value = { cookie_len, (char *)cookie };
        rc = ber_printf(ber, "{eO}", (ber_int_t)mode, &value);
    } else {
        rc = ber_printf(ber, "{e}", (ber_int_t)mode);
    }
    struct berval flat = { 0, NULL };
    if (rc < 0 || ber_flatten2(ber, &flat, 0) < 0) {
        ber_free(ber, 1);
        return LDAP_ENCODING_ERROR;
    }
    rc = ldap_control_create(LDAP_CONTROL_SYNC, 1, &flat, 1, out);
    ber_free(ber, 1);
    return rc;
}

/* The sync state control of a search entry: state (LDAP_SYNC_PRESENT/ADD/MODIFY/DELETE), the
   16-byte entryUUID, and a cookie when the server sent one (free *cookie with ber_bvfree). */
static inline int cldap_parse_sync_state(LDAP *ld, LDAPMessage *entry, int *state, unsigned char uuid[16], struct berval **cookie) {
    LDAPControl **controls = NULL;
    *cookie = NULL;
    if (ldap_get_entry_controls(ld, entry, &controls) != LDAP_SUCCESS || controls == NULL) return LDAP_CONTROL_NOT_FOUND;
    LDAPControl *control = ldap_control_find(LDAP_CONTROL_SYNC_STATE, controls, NULL);
    int rc = LDAP_DECODING_ERROR;
    if (control == NULL) {
        rc = LDAP_CONTROL_NOT_FOUND;
    } else {
        BerElement *ber = ber_init(&control->ldctl_value);
        if (ber != NULL) {
            ber_int_t value = -1;
            struct berval id = { 0, NULL };
            ber_len_t len = 0;
            if (ber_scanf(ber, "{em", &value, &id) != LBER_ERROR && id.bv_len == 16) {
                memcpy(uuid, id.bv_val, 16);
                *state = (int)value;
                rc = LDAP_SUCCESS;
                if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE) {
                    struct berval found = { 0, NULL };
                    if (ber_scanf(ber, "m", &found) != LBER_ERROR && found.bv_val != NULL) *cookie = ber_bvdup(&found);
                }
            }
            ber_free(ber, 1);
        }
    }
    ldap_controls_free(controls);
    return rc;
}

/* A Sync Info intermediate message (RFC 4533 2.5). */
typedef struct {
    int kind;              /* 1 newcookie, 2 refreshDelete, 3 refreshPresent, 4 syncIdSet */
    int refresh_done;      /* for 2 and 3 (default TRUE) */
    int refresh_deletes;   /* for 4 (default FALSE) */
    struct berval *cookie; /* free with ber_bvfree */
    BerVarray uuids;       /* for 4; free with ber_bvarray_free */
} cldap_sync_info;

static inline int cldap_parse_sync_info(LDAP *ld, LDAPMessage *message, cldap_sync_info *info) {
    char *oid = NULL;
    struct berval *data = NULL;
    memset(info, 0, sizeof(*info));
    int rc = ldap_parse_intermediate(ld, message, &oid, &data, NULL, 0);
    if (rc != LDAP_SUCCESS) return rc;
    rc = LDAP_DECODING_ERROR;
    BerElement *ber = NULL;
    if (oid == NULL || strcmp(oid, LDAP_SYNC_INFO) != 0 || data == NULL) goto done;
    ber = ber_init(data);
    if (ber == NULL) goto done;
    ber_len_t len = 0;
    ber_tag_t tag = ber_peek_tag(ber, &len);
    struct berval found = { 0, NULL };
    switch (tag) {
    case LDAP_TAG_SYNC_NEW_COOKIE:
        if (ber_scanf(ber, "m", &found) == LBER_ERROR) goto done;
        info->kind = 1;
        break;
    case LDAP_TAG_SYNC_REFRESH_DELETE:
    case LDAP_TAG_SYNC_REFRESH_PRESENT:
        info->kind = tag == LDAP_TAG_SYNC_REFRESH_DELETE ? 2 : 3;
        if (ber_scanf(ber, "{") == LBER_ERROR) goto done;
        if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE && ber_scanf(ber, "m", &found) == LBER_ERROR) goto done;
        info->refresh_done = 1;
        if (ber_peek_tag(ber, &len) == LDAP_TAG_REFRESHDONE) {
            ber_int_t done = 1;
            if (ber_scanf(ber, "b", &done) == LBER_ERROR) goto done;
            info->refresh_done = done != 0;
        }
        break;
    case LDAP_TAG_SYNC_ID_SET:
        info->kind = 4;
        if (ber_scanf(ber, "{") == LBER_ERROR) goto done;
        if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE && ber_scanf(ber, "m", &found) == LBER_ERROR) goto done;
        if (ber_peek_tag(ber, &len) == LDAP_TAG_REFRESHDELETES) {
            ber_int_t deletes = 0;
            if (ber_scanf(ber, "b", &deletes) == LBER_ERROR) goto done;
            info->refresh_deletes = deletes != 0;
        }
        if (ber_scanf(ber, "[W]", &info->uuids) == LBER_ERROR) { info->uuids = NULL; goto done; }
        break;
    default:
        goto done;
    }
    if (found.bv_val != NULL) info->cookie = ber_bvdup(&found);
    rc = LDAP_SUCCESS;
done:
    if (ber != NULL) ber_free(ber, 1);
    if (oid != NULL) ldap_memfree(oid);
    if (data != NULL) ber_bvfree(data);
    if (rc != LDAP_SUCCESS && info->uuids != NULL) { ber_bvarray_free(info->uuids); info->uuids = NULL; }
    return rc;
}

/* The final result of a sync search: its result code, and the cookie of the Sync Done control
   if there is one (free *cookie with ber_bvfree). */
static inline int cldap_parse_sync_result(LDAP *ld, LDAPMessage *message, int *code, struct berval **cookie) {
    LDAPControl **controls = NULL;
    *cookie = NULL;
    int rc = ldap_parse_result(ld, message, code, NULL, NULL, NULL, &controls, 0);
    if (rc != LDAP_SUCCESS) return rc;
    LDAPControl *control = controls ? ldap_control_find(LDAP_CONTROL_SYNC_DONE, controls, NULL) : NULL;
    if (control != NULL && control->ldctl_value.bv_len > 0) {
        BerElement *ber = ber_init(&control->ldctl_value);
        if (ber != NULL) {
            ber_len_t len = 0;
            struct berval found = { 0, NULL };
            if (ber_scanf(ber, "{") != LBER_ERROR && ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE
                && ber_scanf(ber, "m", &found) != LBER_ERROR && found.bv_val != NULL) {
                *cookie = ber_bvdup(&found);
            }
            ber_free(ber, 1);
        }
    }
    if (controls != NULL) ldap_controls_free(controls);
    return LDAP_SUCCESS;
}

#endif
