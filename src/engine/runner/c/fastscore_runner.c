/* A jet of the fastscore engine for C models: one process running one instance of a model
 * (a shared object it loads), speaking the engine's jet protocol
 * (src/engine/runner/protocol.rs) over its standard input and output; the model's own
 * output goes to standard error.
 *
 * fastscore_runner <model.so>          run the model
 * fastscore_runner --check <model.so>  print JSON: the functions it lacks, if any
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fastscore.h"

#define FLUSH_AFTER_NS 50000000LL
#define MAX_SLOTS 64

typedef void (*begin_fn)(void);
typedef void (*action_fn)(fastscore_value_t, int, int);
typedef void (*end_fn)(void);

static FILE *proto_in;
static FILE *proto_out;

/* growing byte buffers */
typedef struct {
    char *bytes;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->bytes = realloc(b->bytes, b->cap);
        if (!b->bytes) {
            fputs("out of memory\n", stderr);
            exit(2);
        }
    }
    memcpy(b->bytes + b->len, s, n);
    b->len += n;
    b->bytes[b->len] = 0;
}

static void buf_str(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }

/* the protocol ------------------------------------------------------------------------ */

static void send_frame(char kind, const char *payload, size_t n) {
    unsigned char head[5] = {n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff, kind};
    fwrite(head, 1, 5, proto_out);
    if (n) fwrite(payload, 1, n, proto_out);
    if (kind != 'O' && kind != 'D') fflush(proto_out);
}

static char *receive(char *kind, size_t *n) {
    unsigned char head[5];
    fflush(proto_out);
    if (fread(head, 1, 5, proto_in) != 5) exit(0); /* the engine went away */
    *n = head[0] | head[1] << 8 | head[2] << 16 | (size_t)head[3] << 24;
    *kind = head[4];
    char *payload = malloc(*n + 1);
    if (!payload || fread(payload, 1, *n, proto_in) != *n) exit(0);
    payload[*n] = 0;
    return payload;
}

/* JSON text as Python's json.dumps writes it, numbers with as few digits as keep them ----- */

static void write_real(buf_t *b, double x) {
    char text[40];
    if (!isfinite(x)) {
        buf_str(b, isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, x);
        if (strtod(text, NULL) == x) break;
    }
    buf_str(b, text);
    /* a real keeps a point or an exponent, as in Python */
    if (!strpbrk(text, ".eEn")) buf_str(b, ".0");
}

static void write_string(buf_t *b, const char *s, size_t n) {
    buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        char esc[8];
        switch (c) {
        case '"': buf_str(b, "\\\""); break;
        case '\\': buf_str(b, "\\\\"); break;
        case '\n': buf_str(b, "\\n"); break;
        case '\r': buf_str(b, "\\r"); break;
        case '\t': buf_str(b, "\\t"); break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                buf_str(b, esc);
            } else {
                buf_add(b, (const char *)&c, 1);
            }
        }
    }
    buf_add(b, "\"", 1);
}

static void write_json(buf_t *b, json_t *v) {
    char text[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        int first = 1;
        buf_add(b, "{", 1);
        json_object_foreach(v, key, item) {
            if (!first) buf_str(b, ", ");
            first = 0;
            write_string(b, key, strlen(key));
            buf_str(b, ": ");
            write_json(b, item);
        }
        buf_add(b, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        buf_add(b, "[", 1);
        json_array_foreach(v, i, item) {
            if (i) buf_str(b, ", ");
            write_json(b, item);
        }
        buf_add(b, "]", 1);
        break;
    }
    case JSON_STRING: write_string(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER:
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        buf_str(b, text);
        break;
    case JSON_REAL: write_real(b, json_real_value(v)); break;
    case JSON_TRUE: buf_str(b, "true"); break;
    case JSON_FALSE: buf_str(b, "false"); break;
    default: buf_str(b, "null");
    }
}

/* the jet ---------------------------------------------------------------------------- */

static json_t *config;
static buf_t pending[MAX_SLOTS];
static char batch_id[32] = "0";
static long long last_flush;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static json_t *slot_config(const char *side, int slot) {
    char key[16];
    snprintf(key, sizeof key, "%d", slot);
    return json_object_get(json_object_get(config, side), key);
}

static void flush_outputs(void) {
    for (int slot = 1; slot < MAX_SLOTS; slot += 2) {
        buf_t *p = &pending[slot];
        if (!p->len) continue;
        buf_t frame = {0};
        buf_str(&frame, batch_id);
        char head[16];
        snprintf(head, sizeof head, " %d\n", slot);
        buf_str(&frame, head);
        buf_add(&frame, p->bytes, p->len);
        send_frame('O', frame.bytes, frame.len);
        free(frame.bytes);
        p->len = 0;
    }
    last_flush = now_ns();
}

static void fail(const char *message);

/* one output record: its JSON text added to the slot's outputs; the value is freed */
static void emit_one(buf_t *p, fastscore_value_t v) {
    if (p->len) buf_add(p, "\n", 1);
    switch (v.fmt) {
    case FASTSCORE_FMT_JSON:
        write_json(p, v.js);
        json_decref(v.js);
        break;
    case FASTSCORE_FMT_UTF8:
        write_string(p, v.str, strlen(v.str));
        free(v.str);
        break;
    case FASTSCORE_FMT_NULL: {
        /* bytes as a string of the code points 0-255, as the engine sends raw records */
        buf_t text = {0};
        for (size_t i = 0; i < v.size; i++) {
            unsigned char c = v.data[i];
            char u[3] = {c < 0x80 ? (char)c : (char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f)), 0};
            buf_add(&text, u, c < 0x80 ? 1 : 2);
        }
        write_string(p, text.bytes ? text.bytes : "", text.len);
        free(text.bytes);
        free(v.data);
        break;
    }
    default: fail("fastscore_emit: this runner cannot write Avro values");
    }
}

void fastscore_emit(fastscore_value_t v, int slot) {
    char message[96];
    if (slot < 0 || slot >= MAX_SLOTS || !slot_config("outputs", slot)) {
        snprintf(message, sizeof message, "Model emits data to %s slot %d",
                 slot % 2 == 0 ? "an input" : "an unknown", slot);
        fail(message);
    }
    buf_t *p = &pending[slot];
    if (v.fmt == FASTSCORE_FMT_RSET) {
        for (int i = 0; i < v.count; i++) emit_one(p, v.rs[i]);
        free(v.rs);
        if (json_is_true(json_object_get(slot_config("outputs", slot), "recordsets"))) {
            if (p->len) buf_add(p, "\n", 1);
            buf_str(p, "{\"$fastscore\": \"set\"}");
        }
    } else {
        emit_one(p, v);
    }
}

/* the batch being scored, to show with an error */
static json_t *current;
static int current_slot, current_index = -1;
static long long current_seqno;

static void fail(const char *message) {
    buf_t report = {0};
    buf_str(&report, "{\"message\": ");
    write_string(&report, message, strlen(message));
    buf_str(&report, ", \"traceback\": ");
    write_string(&report, message, strlen(message));
    buf_str(&report, ", \"input\": ");
    if (current) {
        size_t n = json_array_size(current);
        size_t from = current_index >= 0 ? (size_t)current_index : (n > 10 ? n - 10 : 0);
        size_t to = current_index >= 0 ? (size_t)current_index + 1 : n;
        char head[64];
        snprintf(head, sizeof head, "{\"slot\": %d, \"seqno\": %lld, \"data\": [", current_slot,
                 current_seqno + (long long)from);
        buf_str(&report, head);
        for (size_t i = from; i < to; i++) {
            buf_t one = {0};
            write_json(&one, json_array_get(current, i));
            if (i > from) buf_str(&report, ", ");
            write_string(&report, one.bytes, one.len);
            free(one.bytes);
        }
        snprintf(head, sizeof head, "], \"batch_len\": %zu, \"encoding\": \"json\"}", n);
        buf_str(&report, head);
    } else {
        buf_str(&report, "null");
    }
    buf_str(&report, "}");
    send_frame('X', report.bytes, report.len);
    fflush(proto_out);
    _exit(3);
}

/* a record of the batch as the model gets it */
static fastscore_value_t record(json_t *r, const char *encoding, int raw) {
    fastscore_value_t v;
    memset(&v, 0, sizeof v);
    if (raw || (encoding && strcmp(encoding, "utf-8") == 0 && json_is_string(r))) {
        const char *s = json_string_value(r);
        size_t n = json_string_length(r);
        if (raw) {
            /* code points 0-255 back to bytes */
            v.fmt = FASTSCORE_FMT_NULL;
            v.data = malloc(n + 1);
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                unsigned char c = s[i];
                if (c >= 0xc0 && i + 1 < n) {
                    v.data[k++] = (unsigned char)((c & 0x1f) << 6 | (s[++i] & 0x3f));
                } else {
                    v.data[k++] = c;
                }
            }
            v.size = k;
        } else {
            v.fmt = FASTSCORE_FMT_UTF8;
            v.str = strndup(s, n);
        }
        return v;
    }
    v.fmt = FASTSCORE_FMT_JSON;
    v.js = r;
    return v;
}

static void release(fastscore_value_t v) {
    if (v.fmt == FASTSCORE_FMT_NULL) free(v.data);
    if (v.fmt == FASTSCORE_FMT_UTF8) free(v.str);
}

static void *model_function(void *model, const char *name) { return dlsym(model, name); }

int main(int argc, char **argv) {
    int checking = argc == 3 && strcmp(argv[1], "--check") == 0;
    if (argc != 2 && !checking) {
        fputs("usage: fastscore_runner [--check] <model.so>\n", stderr);
        return 2;
    }
    void *model = dlopen(argv[argc - 1], RTLD_NOW | RTLD_GLOBAL);
    if (checking) {
        if (!model) {
            buf_t out = {0};
            buf_str(&out, "{\"error\": ");
            const char *e = dlerror();
            write_string(&out, e, strlen(e));
            buf_str(&out, "}\n");
            fputs(out.bytes, stdout);
        } else if (!model_function(model, "action")) {
            puts("{\"error\": \"the model defines no action function: void action(fastscore_value_t v, int slot, int seqno)\"}");
        } else {
            puts("{\"imports\": [], \"missing\": []}");
        }
        return 0;
    }
    /* the protocol keeps the process's standard output; the model's goes to standard error */
    proto_in = fdopen(dup(0), "rb");
    proto_out = fdopen(dup(1), "wb");
    dup2(2, 1);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char kind;
    size_t n;
    char *payload = receive(&kind, &n);
    config = json_loadb(payload, n, 0, NULL);
    free(payload);
    if (!model) fail(dlerror());
    begin_fn begin = (begin_fn)model_function(model, "begin");
    action_fn action = (action_fn)model_function(model, "action");
    end_fn end1 = (end_fn)model_function(model, "end1");
    if (!action) fail("the model defines no action function");
    last_flush = now_ns();
    if (begin) begin();
    for (;;) {
        send_frame('N', "*", 1);
        payload = receive(&kind, &n);
        if (kind == 'E') {
            free(payload);
            break;
        }
        char *body = memchr(payload, '\n', n);
        if (!body) fail("a batch without a header");
        *body++ = 0;
        char form = 'j';
        long long seqno = 0;
        int slot = 0;
        sscanf(payload, "%31s %d %lld %c", batch_id, &slot, &seqno, &form);
        json_error_t error;
        json_t *records = json_loadb(body, n - (size_t)(body - payload), JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
        free(payload);
        if (!json_is_array(records)) fail("a batch that is not a JSON array");
        current = records;
        current_slot = slot;
        current_seqno = seqno;
        json_t *in = slot_config("inputs", slot);
        const char *encoding = json_string_value(json_object_get(in, "encoding"));
        int sets = json_is_true(json_object_get(in, "recordsets"));
        size_t count = json_array_size(records);
        if (sets) {
            fastscore_value_t set = {.fmt = FASTSCORE_FMT_RSET};
            set.count = (int)count;
            set.rs = calloc(count ? count : 1, sizeof(fastscore_value_t));
            for (size_t i = 0; i < count; i++) set.rs[i] = record(json_array_get(records, i), encoding, form == 'b');
            action(set, slot, (int)seqno);
            for (size_t i = 0; i < count; i++) release(set.rs[i]);
            free(set.rs);
        } else {
            for (size_t i = 0; i < count; i++) {
                current_index = (int)i;
                fastscore_value_t v = record(json_array_get(records, i), encoding, form == 'b');
                action(v, slot, (int)(seqno + (long long)i));
                release(v);
                if (now_ns() - last_flush >= FLUSH_AFTER_NS) flush_outputs();
            }
            current_index = -1;
        }
        flush_outputs();
        send_frame('D', batch_id, strlen(batch_id));
        strcpy(batch_id, "0");
        current = NULL;
        json_decref(records);
    }
    if (end1) end1();
    flush_outputs();
    send_frame('F', "", 0);
    fflush(proto_out);
    return 0;
}
