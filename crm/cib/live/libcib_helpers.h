#ifndef BATON_LIBCIB_HELPERS_H
#define BATON_LIBCIB_HELPERS_H
#include <crm/cib.h>

cib_t *baton_cib_open(const char *file, const char *shadow);
int baton_cib_signon(cib_t *cib, int command);
void baton_cib_close(cib_t *cib);
int baton_cib_query(cib_t *cib, const char *xpath, char **out);
const char *baton_cib_strerror(int rc);
int baton_cib_subscribe(cib_t *cib);
void baton_mainloop_run(void);
void baton_mainloop_quit(void);

/* exported by libcib.go */
extern void batonCibChanged(char *xml);
extern void batonCibGone(void);
#endif
