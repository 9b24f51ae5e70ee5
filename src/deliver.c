/* deliver.c: sends outbox messages to stdout, files, the clipboard, Slack, webhooks,
 * Statuspage and PagerDuty. The only HTTP besides the SLI sources. */
#include "deliver.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcurl.h"

#define DELIVER_MAX_IN_FLIGHT 8
#define DELIVER_RESPONSE_MAX (256 * 1024)
#define DELIVER_RECHECK_MS 5000

/* libcurl, loaded by the first HTTP delivery (stdout, file and clipboard never need it). */
static const struct libcurl *curl;

struct xfer {
    struct deliver *d;
    struct outbox_msg m;
    const struct comms_dest *dest;
    CURL *easy;
    struct curl_slist *headers;
    char *payload;
    struct wr_buf resp;
    bool create; /* statuspage: POST creating the incident */
    struct xfer *next;
};

struct deliver {
    struct store *store;
    const struct comms_config *cfg;
    struct deliver_hooks hooks;
    bool has_hooks;
    CURLM *multi;
    struct xfer *xfers;
    size_t in_flight;
};

int64_t deliver_backoff_ms(int attempts)
{
    int64_t ms = 30000;
    for (int i = 1; i < attempts && ms < 30 * 60000; i++)
        ms *= 2;
    return ms > 30 * 60000 ? 30 * 60000 : ms;
}

static void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    if (x->easy) {
        if (x->d->multi)
            curl->multi_remove_handle(x->d->multi, x->easy);
        curl->easy_cleanup(x->easy);
    }
    if (x->headers) /* set only once libcurl is loaded */
        curl->slist_free_all(x->headers);
    free(x->payload);
    wr_buf_free(&x->resp);
    outbox_msg_clear(&x->m);
    free(x);
}

/* Record the outcome of one message in the store and tell the UI. */
static void finish(struct deliver *d, struct outbox_msg *m, const struct comms_dest *dest, bool ok,
                   const char *detail, const char *extra_key, const char *extra_value)
{
    struct wr_error err;
    int64_t now = wr_now_ms();
    if (ok) {
        char *text = NULL;
        cJSON *data = cJSON_CreateObject();
        cJSON_AddStringToObject(data, "destination", m->destination);
        cJSON_AddNumberToObject(data, "outbox_id", (double)m->id);
        cJSON_AddStringToObject(data, "template", m->template_name);
        if (extra_key && extra_value)
            cJSON_AddStringToObject(data, extra_key, extra_value);
        char *json = cJSON_PrintUnformatted(data);
        cJSON_Delete(data);
        struct wr_buf t = {0};
        wr_buf_printf(&t, "Sent %s to %s: %s", m->template_name[0] ? m->template_name : "message",
                      m->destination, m->subject[0] ? m->subject : "(no subject)");
        text = wr_buf_steal(&t);
        if (store_outbox_mark_sent(d->store, m, now, text ? text : "Sent a message", json, &err) != 0) {
            ok = false;
            detail = err.msg;
        }
        free(text);
        free(json);
    } else {
        int64_t next = now + deliver_backoff_ms(m->attempts);
        store_outbox_mark_failed(d->store, m->id, detail, next, &err);
    }
    if (d->hooks.report)
        d->hooks.report(d->hooks.ctx, m, ok, detail);
}

static void local_write(struct deliver *d, enum comms_dest_type type, const char *text)
{
    if (d->hooks.local_output) {
        d->hooks.local_output(d->hooks.ctx, type, text);
        return;
    }
    if (type == DEST_CLIPBOARD) {
        int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0) {
            size_t len = strlen(text);
            while (len) {
                ssize_t w = write(fd, text, len);
                if (w <= 0)
                    break;
                text += w;
                len -= (size_t)w;
            }
            close(fd);
            return;
        }
    }
    fputs(text, stdout);
    fflush(stdout);
}

static char *base64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* stdout, file, clipboard: done at once. */
static void send_local(struct deliver *d, struct outbox_msg *m, const struct comms_dest *dest)
{
    struct wr_buf t = {0};
    wr_buf_printf(&t, "%s\n\n%s", m->subject, m->body);
    if (t.len && t.data[t.len - 1] != '\n')
        wr_buf_puts(&t, "\n");
    if (t.oom) {
        wr_buf_free(&t);
        finish(d, m, dest, false, "out of memory", NULL, NULL);
        return;
    }
    if (dest->type == DEST_FILE) {
        FILE *f = fopen(dest->path, "a");
        bool ok = f && fprintf(f, "%s\n", t.data) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        char detail[256];
        snprintf(detail, sizeof detail, ok ? "appended to %s" : "cannot append to %s",
                 dest->path);
        finish(d, m, dest, ok, detail, NULL, NULL);
    } else if (dest->type == DEST_CLIPBOARD) {
        char *b = base64(t.data);
        struct wr_buf seq = {0};
        wr_buf_printf(&seq, "\033]52;c;%s\a", b ? b : "");
        free(b);
        local_write(d, DEST_CLIPBOARD, seq.data ? seq.data : "");
        wr_buf_free(&seq);
        finish(d, m, dest, true, "copied to the clipboard (OSC 52)", NULL, NULL);
    } else {
        local_write(d, DEST_STDOUT, t.data);
        finish(d, m, dest, true, "printed", NULL, NULL);
    }
    wr_buf_free(&t);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    size_t n = size * nmemb;
    if (x->resp.len + n > DELIVER_RESPONSE_MAX)
        return 0;
    wr_buf_append(&x->resp, ptr, n);
    return n;
}

static const char *statuspage_status(const struct incident *inc, bool identified)
{
    if (inc->milestones[MS_RESOLVED] != WR_TIME_NONE)
        return "resolved";
    if (inc->milestones[MS_MITIGATED] != WR_TIME_NONE)
        return "monitoring";
    return identified || inc->phase >= PHASE_MITIGATE ? "identified" : "investigating";
}

static const char *statuspage_impact(const struct incident *inc)
{
    if (inc->milestones[MS_RESOLVED] != WR_TIME_NONE)
        return "operational";
    switch (inc->severity) {
    case 1: return "major_outage";
    case 2: return "partial_outage";
    default: return "degraded_performance";
    }
}

/* Build the request for an HTTP destination. Returns 0, or -1 with a safe message in err. */
static int build_http(struct deliver *d, struct xfer *x, char **url, struct wr_error *err)
{
    const struct comms_dest *dest = x->dest;
    struct incident inc;
    char *secret = NULL, *sp_id = NULL;
    cJSON *j = NULL;
    int rc = -1;
    incident_init(&inc);
    *url = NULL;
    if (store_incident_get(d->store, x->m.incident_id, &inc, err) != 0)
        goto out;
    const char *secret_name = dest->type == DEST_SLACK || dest->type == DEST_WEBHOOK
                                  ? dest->url_env
                                  : dest->token_env;
    if (comms_secret(d->cfg, secret_name, &secret, err) != 0)
        goto out;
    x->headers = curl->slist_append(x->headers, "Content-Type: application/json");
    struct wr_buf u = {0};
    j = cJSON_CreateObject();
    switch (dest->type) {
    case DEST_SLACK: {
        wr_buf_puts(&u, secret);
        struct wr_buf text = {0};
        wr_buf_printf(&text, "*%s*\n\n%s", x->m.subject, x->m.body);
        cJSON_AddStringToObject(j, "text", text.data ? text.data : "");
        wr_buf_free(&text);
        cJSON *blocks = cJSON_AddArrayToObject(j, "blocks");
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "type", "header");
        cJSON *ht = cJSON_AddObjectToObject(h, "text");
        cJSON_AddStringToObject(ht, "type", "plain_text");
        cJSON_AddStringToObject(ht, "text", x->m.subject);
        cJSON_AddItemToArray(blocks, h);
        cJSON *sec = cJSON_CreateObject();
        cJSON_AddStringToObject(sec, "type", "section");
        cJSON *stx = cJSON_AddObjectToObject(sec, "text");
        cJSON_AddStringToObject(stx, "type", "mrkdwn");
        cJSON_AddStringToObject(stx, "text", x->m.body[0] ? x->m.body : " ");
        cJSON_AddItemToArray(blocks, sec);
        break;
    }
    case DEST_WEBHOOK: {
        wr_buf_puts(&u, secret);
        struct wr_buf h = {0};
        wr_buf_printf(&h, "Idempotency-Key: %s", x->m.idempotency_key);
        x->headers = curl->slist_append(x->headers, h.data ? h.data : "");
        wr_buf_free(&h);
        cJSON *ji = cJSON_AddObjectToObject(j, "incident");
        char id[32];
        snprintf(id, sizeof id, "INC-%lld", (long long)inc.id);
        cJSON_AddStringToObject(ji, "id", id);
        cJSON_AddStringToObject(ji, "uid", inc.uid);
        cJSON_AddStringToObject(ji, "title", inc.title ? inc.title : "");
        cJSON_AddStringToObject(ji, "severity", inc.severity ? sev_name(inc.severity) : "");
        cJSON_AddStringToObject(ji, "phase", phase_name(inc.phase));
        cJSON_AddStringToObject(j, "template", x->m.template_name);
        cJSON_AddStringToObject(j, "subject", x->m.subject);
        cJSON_AddStringToObject(j, "body", x->m.body);
        cJSON_AddStringToObject(j, "idempotency_key", x->m.idempotency_key);
        break;
    }
    case DEST_STATUSPAGE: {
        if (store_outbox_comms_value(d->store, inc.id, dest->name, "statuspage_incident_id", &sp_id,
                                     err) != 0)
            goto out;
        const char *base = dest->base_url ? dest->base_url : "https://api.statuspage.io";
        wr_buf_printf(&u, "%s/v1/pages/%s/incidents", base, dest->page_id);
        if (sp_id)
            wr_buf_printf(&u, "/%s", sp_id);
        x->create = !sp_id;
        struct wr_buf h = {0};
        wr_buf_printf(&h, "Authorization: OAuth %s", secret);
        x->headers = curl->slist_append(x->headers, h.data ? h.data : "");
        if (h.data)
            memset(h.data, 0, h.len);
        wr_buf_free(&h);
        cJSON *ji = cJSON_AddObjectToObject(j, "incident");
        cJSON_AddStringToObject(ji, "name", x->m.subject);
        cJSON_AddStringToObject(ji, "status", statuspage_status(&inc, false));
        cJSON_AddStringToObject(ji, "body", x->m.body);
        if (dest->ncomponents) {
            cJSON *ids = cJSON_AddArrayToObject(ji, "component_ids");
            cJSON *comps = cJSON_AddObjectToObject(ji, "components");
            for (size_t k = 0; k < dest->ncomponents; k++) {
                cJSON_AddItemToArray(ids, cJSON_CreateString(dest->components[k]));
                cJSON_AddStringToObject(comps, dest->components[k], statuspage_impact(&inc));
            }
        }
        break;
    }
    case DEST_PAGERDUTY: {
        const char *base = dest->base_url ? dest->base_url : "https://events.pagerduty.com";
        wr_buf_printf(&u, "%s/v2/enqueue", base);
        cJSON_AddStringToObject(j, "routing_key", secret);
        const char *action = inc.milestones[MS_RESOLVED] != WR_TIME_NONE    ? "resolve"
                             : inc.milestones[MS_MITIGATED] != WR_TIME_NONE ? "acknowledge"
                                                                             : "trigger";
        cJSON_AddStringToObject(j, "event_action", action);
        cJSON_AddStringToObject(j, "dedup_key", inc.uid);
        if (strcmp(action, "trigger") == 0) {
            cJSON *p = cJSON_AddObjectToObject(j, "payload");
            cJSON_AddStringToObject(p, "summary", x->m.subject);
            cJSON_AddStringToObject(p, "source", "warroom");
            static const char *const sevs[] = {"warning", "critical", "error", "warning", "info"};
            cJSON_AddStringToObject(p, "severity",
                                    sevs[inc.severity >= 1 && inc.severity <= 4 ? inc.severity : 0]);
            cJSON *cd = cJSON_AddObjectToObject(p, "custom_details");
            cJSON_AddStringToObject(cd, "body", x->m.body);
        }
        break;
    }
    default:
        break;
    }
    x->payload = cJSON_PrintUnformatted(j);
    if (!x->payload || u.oom || !u.data || !x->headers) {
        wr_buf_free(&u);
        wr_fail(err, WR_E_NOMEM, "out of memory building the request");
        goto out;
    }
    *url = wr_buf_steal(&u);
    rc = 0;
out:
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    free(sp_id);
    cJSON_Delete(j);
    incident_clear(&inc);
    return rc;
}

static CURLM *deliver_multi(struct deliver *d, struct wr_error *err);

static void start_http(struct deliver *d, struct xfer *x)
{
    struct wr_error err;
    char *url = NULL;
    if (!deliver_multi(d, &err) || build_http(d, x, &url, &err) != 0) {
        finish(d, &x->m, x->dest, false, err.msg, NULL, NULL);
        xfer_free(x);
        return;
    }
    x->easy = curl->easy_init();
    if (!x->easy) {
        free(url);
        finish(d, &x->m, x->dest, false, "libcurl could not start a request", NULL, NULL);
        xfer_free(x);
        return;
    }
    curl->easy_setopt(x->easy, CURLOPT_URL, url);
    memset(url, 0, strlen(url));
    free(url);
    curl->easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
    curl->easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->payload);
    if (x->dest->type == DEST_STATUSPAGE && !x->create)
        curl->easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, "PATCH");
    curl->easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl->easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    curl->easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    curl->easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, x->dest->timeout_ms > 0 ? x->dest->timeout_ms : 10000L);
    curl->easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl->easy_setopt(x->easy, CURLOPT_USERAGENT, "warroom");
    if (curl->multi_add_handle(d->multi, x->easy) != CURLM_OK) {
        finish(d, &x->m, x->dest, false, "libcurl could not start a request", NULL, NULL);
        xfer_free(x);
        return;
    }
    x->next = d->xfers;
    d->xfers = x;
    d->in_flight++;
}

static void collect(struct deliver *d)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl->multi_info_read(d->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode res = msg->data.result;
        for (struct xfer **pp = &d->xfers; *pp; pp = &(*pp)->next)
            if (*pp == x) {
                *pp = x->next;
                break;
            }
        d->in_flight--;
        long status = 0;
        curl->easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        char detail[256];
        bool ok = res == CURLE_OK && status >= 200 && status < 300;
        char *sp_id = NULL;
        if (res != CURLE_OK)
            snprintf(detail, sizeof detail, "%s: %s", x->dest->name, curl->easy_strerror(res));
        else
            snprintf(detail, sizeof detail, "%s: HTTP %ld", x->dest->name, status);
        if (ok && x->create) {
            cJSON *r = cJSON_Parse(x->resp.data ? x->resp.data : "");
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "id"));
            sp_id = id ? strdup(id) : NULL;
            cJSON_Delete(r);
            if (!sp_id) {
                ok = false;
                snprintf(detail, sizeof detail, "%s: the reply has no incident id", x->dest->name);
            }
        }
        finish(d, &x->m, x->dest, ok, detail, sp_id ? "statuspage_incident_id" : NULL, sp_id);
        free(sp_id);
        xfer_free(x);
    }
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct deliver *d = userp;
    short ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= POLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= POLLOUT;
    d->hooks.watch_fd(d->hooks.ctx, s, what == CURL_POLL_REMOVE ? 0 : ev);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct deliver *d = userp;
    d->hooks.set_timer(d->hooks.ctx, timeout_ms);
    return 0;
}

int deliver_new(struct store *s, const struct comms_config *cfg, const struct deliver_hooks *hooks,
                struct deliver **out, struct wr_error *err)
{
    struct deliver *d = calloc(1, sizeof *d);
    if (!d)
        return wr_fail(err, WR_E_NOMEM, "out of memory");
    d->store = s;
    d->cfg = cfg;
    if (hooks)
        d->hooks = *hooks;
    d->has_hooks = hooks && hooks->watch_fd && hooks->set_timer;
    *out = d;
    return 0;
}

/* The multi handle, made with the first HTTP delivery: loading libcurl costs more than a whole
 * `warroom log`. NULL with err when libcurl cannot be loaded (the message stays queued). */
static CURLM *deliver_multi(struct deliver *d, struct wr_error *err)
{
    if (d->multi)
        return d->multi;
    if (!(curl = libcurl_load(err)))
        return NULL;
    d->multi = curl->multi_init();
    if (!d->multi) {
        wr_fail(err, WR_E_NETWORK, "libcurl could not start; messages stay queued");
        return NULL;
    }
    if (d->has_hooks) {
        curl->multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl->multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
        curl->multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl->multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
    }
    return d->multi;
}

void deliver_free(struct deliver **dp)
{
    if (!dp || !*dp)
        return;
    struct deliver *d = *dp;
    while (d->xfers) {
        struct xfer *x = d->xfers;
        d->xfers = x->next;
        xfer_free(x);
    }
    if (d->multi)
        curl->multi_cleanup(d->multi);
    free(d);
    *dp = NULL;
}

size_t deliver_in_flight(const struct deliver *d)
{
    return d->in_flight;
}

int64_t deliver_start_due(struct deliver *d)
{
    struct wr_error err;
    while (d->in_flight < DELIVER_MAX_IN_FLIGHT) {
        struct outbox_msg m;
        bool found = false;
        if (store_outbox_claim(d->store, wr_now_ms(), &m, &found, &err) != 0 || !found)
            break;
        const struct comms_dest *dest = comms_dest_find(d->cfg, m.destination);
        if (!dest) {
            char detail[160];
            snprintf(detail, sizeof detail, "no destination '%.60s' in the config file",
                     m.destination);
            finish(d, &m, NULL, false, detail, NULL, NULL);
            outbox_msg_clear(&m);
            continue;
        }
        if (dest->type == DEST_STDOUT || dest->type == DEST_FILE || dest->type == DEST_CLIPBOARD) {
            send_local(d, &m, dest);
            outbox_msg_clear(&m);
            continue;
        }
        struct xfer *x = calloc(1, sizeof *x);
        if (!x) {
            finish(d, &m, dest, false, "out of memory", NULL, NULL);
            outbox_msg_clear(&m);
            break;
        }
        x->d = d;
        x->m = m;
        x->dest = dest;
        start_http(d, x);
    }
    if (d->has_hooks && d->in_flight) {
        int running;
        curl->multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        collect(d);
    }
    return DELIVER_RECHECK_MS;
}

void deliver_on_socket(struct deliver *d, int fd, short revents)
{
    if (!d->multi)
        return;
    int mask = 0, running;
    if (revents & POLLIN)
        mask |= CURL_CSELECT_IN;
    if (revents & POLLOUT)
        mask |= CURL_CSELECT_OUT;
    if (revents & (POLLERR | POLLHUP))
        mask |= CURL_CSELECT_ERR;
    curl->multi_socket_action(d->multi, fd, mask, &running);
    collect(d);
}

void deliver_on_timeout(struct deliver *d)
{
    if (!d->multi)
        return;
    int running;
    curl->multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect(d);
}

int deliver_run_once(struct deliver *d, struct wr_error *err)
{
    if (d->has_hooks)
        return wr_fail(err, WR_E_FAIL, "internal error: deliver_run_once on an event-loop engine");
    deliver_start_due(d);
    while (d->in_flight) {
        int running;
        if (curl->multi_perform(d->multi, &running) != CURLM_OK)
            return wr_fail(err, WR_E_NETWORK, "libcurl multi failed");
        collect(d);
        if (!d->in_flight)
            break;
        if (curl->multi_poll(d->multi, NULL, 0, 1000, NULL) != CURLM_OK)
            return wr_fail(err, WR_E_NETWORK, "libcurl multi poll failed");
    }
    return 0;
}
