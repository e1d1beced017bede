/* The interface between a C model and the fastscore engine's C runner.
 *
 * A model defines
 *     void begin(void);                                     (optional)
 *     void action(fastscore_value_t v, int slot, int seqno);
 *     void end1(void);                                      (optional)
 * and emits outputs with fastscore_emit(value, slot). An emitted value belongs to the
 * runner afterwards: a UTF-8 string must come from malloc, a JSON value's reference goes
 * to the runner. Input values belong to the runner: keep a JSON value with json_incref.
 */
#ifndef FASTSCORE_H
#define FASTSCORE_H

#include <stddef.h>
#include <jansson.h>
#if defined(__has_include)
#if __has_include(<avro.h>)
#include <avro.h>
#define FASTSCORE_HAS_AVRO 1
#endif
#endif

typedef enum {
    FASTSCORE_FMT_NULL, /* raw bytes: data, size */
    FASTSCORE_FMT_UTF8, /* a NUL-terminated string: str */
    FASTSCORE_FMT_JSON, /* a Jansson value: js */
    FASTSCORE_FMT_AVRO, /* an Avro value: avro (never given by this runner; records arrive as JSON) */
    FASTSCORE_FMT_RSET  /* a record set: count, rs */
} fastscore_fmt_t;

typedef struct fastscore_value fastscore_value_t;

struct fastscore_value {
    fastscore_fmt_t fmt;
    union {
        struct {
            unsigned char *data;
            size_t size;
        };
        char *str;
        json_t *js;
#ifdef FASTSCORE_HAS_AVRO
        avro_value_t avro;
#endif
        struct {
            int count;
            fastscore_value_t *rs;
        };
    };
};

void fastscore_emit(fastscore_value_t v, int slot);

#endif
