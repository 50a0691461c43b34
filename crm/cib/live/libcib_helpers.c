//go:build pacemaker

// Thin C helpers for libcib.go: libcib's API is a table of function
// pointers, which Go cannot call directly.
#include <stdlib.h>
#include <glib.h>
#include <crm/cib.h>
#include <crm/common/xml.h>
#include <crm/common/results.h>
#include <crm/common/logging.h>
#include <syslog.h>
#include "libcib_helpers.h"

cib_t *baton_cib_open(const char *file, const char *shadow) {
    static int initialised = 0;

    if (!initialised) {
        /* Sets up logging (quietly) and loads the CIB schemas, which the
         * file variant validates against. */
        crm_log_init("baton", LOG_ERR, FALSE, FALSE, 0, NULL, TRUE);
        initialised = 1;
    }
    if (file != NULL) {
        return cib_file_new(file);
    }
    if (shadow != NULL) {
        return cib_shadow_new(shadow);
    }
    return cib_new();
}

int baton_cib_signon(cib_t *cib, int command) {
    return cib->cmds->signon(cib, "baton", command ? cib_command : cib_query);
}

void baton_cib_close(cib_t *cib) {
    if (cib->state != cib_disconnected) {
        cib->cmds->signoff(cib);
    }
    cib_delete(cib);
}

int baton_cib_query(cib_t *cib, const char *xpath, char **out) {
    xmlNode *xml = NULL;
    int opts = cib_sync_call | cib_scope_local;
    int rc;

    if (xpath != NULL) {
        opts |= cib_xpath;
    }
    rc = cib->cmds->query(cib, xpath, &xml, opts);
    if (rc == pcmk_ok && xml != NULL) {
        *out = dump_xml_formatted(xml);
    }
    if (xml != NULL) {
        free_xml(xml);
    }
    return rc;
}

const char *baton_cib_strerror(int rc) {
    return pcmk_strerror(rc);
}

/* One subscribed connection per process is enough for Baton; the Go side
 * keeps the callback. The notification itself carries only a diff, so the
 * whole CIB is queried again, here on the main-loop thread that owns the
 * connection. */
static cib_t *subscribed = NULL;

static void baton_diff_cb(const char *event, xmlNode *msg) {
    char *xml = NULL;
    (void) event;
    (void) msg;
    if (subscribed == NULL) {
        return;
    }
    if (baton_cib_query(subscribed, NULL, &xml) == pcmk_ok && xml != NULL) {
        batonCibChanged(xml);
        free(xml);
    }
}

static void baton_destroy_cb(gpointer data) {
    (void) data;
    batonCibGone();
}

int baton_cib_subscribe(cib_t *cib) {
    int rc;
    subscribed = cib;
    rc = cib->cmds->set_connection_dnotify(cib, baton_destroy_cb);
    if (rc != pcmk_ok) {
        return rc;
    }
    return cib->cmds->add_notify_callback(cib, T_CIB_DIFF_NOTIFY, baton_diff_cb);
}

static GMainLoop *loop = NULL;

void baton_mainloop_run(void) {
    if (loop == NULL) {
        loop = g_main_loop_new(NULL, FALSE);
    }
    g_main_loop_run(loop);
}

void baton_mainloop_quit(void) {
    if (loop != NULL) {
        g_main_loop_quit(loop);
    }
}
