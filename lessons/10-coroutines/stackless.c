/*
 * stackless - coroutines with no stack of their own: a switch on a line
 * number (Duff's device, as in Simon Tatham's "Coroutines in C" and Adam
 * Dunkels' protothreads).
 *
 * A stackless coroutine is an ordinary function plus a small struct that
 * remembers where it stopped. PT_YIELD stores the current line number and
 * returns; the next call jumps straight back to that line through the
 * switch in PT_BEGIN. That is all it takes, and it costs almost nothing,
 * but it comes with two rules, shown by the demos below:
 *
 *   1. No local variable survives a yield: the function really returned,
 *      its stack frame is gone. State that must last lives in the struct.
 *   2. Only the coroutine function itself can yield. A helper it calls
 *      cannot suspend its caller; the helper must be a coroutine too, and
 *      the caller must keep calling it until it finishes (PT_WAIT), at
 *      every level of the call chain.
 *
 * Python's generators and C#/JavaScript's async functions are compiled
 * into exactly this: a state machine in an object.
 */
#include <stdio.h>
#include <string.h>

/* clang-format off */
/* quote:begin macros */
struct pt {
    int line; /* where to continue: 0 = from the top, -1 = finished */
};

#define PT_BEGIN(pt) switch ((pt)->line) { case 0:
#define PT_YIELD(pt)                                                                             \
    do {                                                                                         \
        (pt)->line = __LINE__; /* come back to the case label below */                          \
        return 1;                                                                                \
    case __LINE__:;                                                                              \
    } while (0)
#define PT_END(pt) } (pt)->line = -1; return 0
/* PT_WAIT - run child (a call returning 1 while it is not finished) to the
 * end, yielding to our own caller each time it yields. */
#define PT_WAIT(pt, child)                                                                       \
    do {                                                                                         \
        (pt)->line = __LINE__;                                                                   \
    case __LINE__:                                                                               \
        if (child)                                                                               \
            return 1;                                                                            \
    } while (0)
/* quote:end macros */
/* clang-format on */

/* ---- demo 1: two generators interleaved on one stack */

/* quote:begin fib */
struct fib {
    struct pt pt;
    long a, b; /* the state: in the struct, because locals die at a yield */
    long out;
};

static int fib_next(struct fib *f)
{
    PT_BEGIN(&f->pt);
    f->a = 0, f->b = 1;
    for (;;) {
        f->out = f->a;
        PT_YIELD(&f->pt);
        long next = f->a + f->b; /* a local is fine if no yield falls in its life */
        f->a = f->b, f->b = next;
    }
    PT_END(&f->pt);
}
/* quote:end fib */

struct squares {
    struct pt pt;
    long i, out;
};

static int squares_next(struct squares *s)
{
    PT_BEGIN(&s->pt);
    for (s->i = 1; s->i <= 5; s->i++) {
        s->out = s->i * s->i;
        PT_YIELD(&s->pt);
    }
    PT_END(&s->pt);
}

/* ---- demo 2: rule 1 broken: the counter lives in a local */
struct counter {
    struct pt pt;
};

static int counter_wrong(struct counter *c, int *out)
{
    int n = 0; /* runs again on every call: the switch jumps past the ++ */
    PT_BEGIN(&c->pt);
    for (;;) {
        n++;
        *out = n;
        PT_YIELD(&c->pt);
    }
    PT_END(&c->pt);
}

/* ---- demo 3: a line-protocol parser fed by whatever bytes arrive */

/* quote:begin parser */
/* The input side: the bytes of the current chunk, consumed one by one. */
struct input {
    const char *p, *end;
};

struct line_reader {
    struct pt pt;
    char line[128];
    size_t len;
};

/* read_line - a child coroutine: 1 = give me more input, 0 = r->line ready. */
static int read_line(struct line_reader *r, struct input *in)
{
    PT_BEGIN(&r->pt);
    r->len = 0;
    for (;;) {
        while (in->p == in->end)
            PT_YIELD(&r->pt); /* out of bytes: wait for the next chunk */
        char c = *in->p++;
        if (c == '\n')
            break;
        if (r->len < sizeof r->line - 1)
            r->line[r->len++] = c;
    }
    r->line[r->len] = '\0';
    PT_END(&r->pt);
}

struct header_parser {
    struct pt pt;
    struct line_reader reader;
    int headers;
};

/* parse_headers - "Name: value" lines up to an empty line, written top to
 * bottom although the bytes come in pieces. Rule 2: it cannot call
 * read_line() and expect it to wait; it PT_WAITs for the child. */
static int parse_headers(struct header_parser *h, struct input *in)
{
    PT_BEGIN(&h->pt);
    for (;;) {
        h->reader.pt.line = 0; /* start the child afresh */
        PT_WAIT(&h->pt, read_line(&h->reader, in));
        if (h->reader.line[0] == '\0')
            break;
        char *colon = strchr(h->reader.line, ':');
        if (!colon)
            printf("   malformed line \"%s\", skipped\n", h->reader.line);
        else
            printf("   header %d: name \"%.*s\", value \"%s\"\n", ++h->headers,
                   (int)(colon - h->reader.line), h->reader.line,
                   colon + 1 + strspn(colon + 1, " "));
    }
    PT_END(&h->pt);
}
/* quote:end parser */

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("1. two generators, interleaved, on one stack:\n");
    struct fib f = {0};
    struct squares s = {0};
    for (int round = 1; round <= 6; round++) {
        fib_next(&f); /* a generator that never ends */
        if (squares_next(&s))
            printf("   round %d: fib %2ld   squares %2ld\n", round, f.out, s.out);
        else
            printf("   round %d: fib %2ld   squares finished\n", round, f.out);
    }
    printf("   state per generator: %zu and %zu bytes (no stack of their own)\n", sizeof f,
           sizeof s);

    printf("2. rule 1 broken: a counter kept in a local variable:\n   ");
    struct counter c = {0};
    for (int i = 0; i < 5; i++) {
        int v;
        counter_wrong(&c, &v);
        printf("%d ", v);
    }
    printf(" <- not 1 2 3 4 5: the local was reset on every call\n");

    printf("3. a header parser fed in chunks that split lines anywhere:\n");
    const char *chunks[] = {"Host: exa", "mple.org\nAccept", ": */*\nX-Empty:\n", "Bro", "ken\n\n"};
    struct header_parser h = {0};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        struct input in = {chunks[i], chunks[i] + strlen(chunks[i])};
        printf("   chunk %zu: %zu bytes\n", i + 1, strlen(chunks[i]));
        if (!parse_headers(&h, &in)) {
            printf("   done: %d headers, parser state %zu bytes\n", h.headers, sizeof h);
            break;
        }
    }
    return 0;
}
