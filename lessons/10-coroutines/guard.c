/*
 * guard - what happens when a coroutine overflows its stack.
 *
 * A coroutine's stack is small and fixed (here 16 KiB; threads get 8 MiB)
 * and nothing checks its depth. This program recurses in a coroutine,
 * using about 1 KiB of stack per call and printing how much is left, until
 * it runs off the bottom. Without a guard page the next call would
 * silently overwrite whatever lies below - another coroutine's stack, the
 * heap - and the program would fail later, somewhere else, or not at all.
 * With coro.c's PROT_NONE guard page the very first write below the stack
 * faults, and the kernel kills the process with SIGSEGV on the spot: a
 * crash you can see and debug (the shell prints "Segmentation fault").
 *
 *   guard [--stack 16k]
 */
#include "coro.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *stack_bottom;

/* dig - recurse 100,000 levels deep (100 MB of stack: far more than any
 * coroutine has), about 1 KiB of stack per level. */
static int dig(int depth)
{
    if (depth > 100000)
        return 0;
    volatile char frame[1000]; /* volatile: the compiler must really use it */
    memset((char *)frame, depth & 0xff, sizeof frame);
    long left = (long)((char *)frame - stack_bottom);
    /* Not printf: on an unbuffered stream it needs 8 KiB of stack itself. */
    char line[80];
    int n = snprintf(line, sizeof line,
                     "depth %3d: %6ld bytes of stack left above the guard page\n", depth, left);
    if (write(1, line, (size_t)n) < 0)
        return 0;
    return dig(depth + 1) + frame[depth % sizeof frame]; /* not a tail call */
}

static void overflow(void *arg)
{
    (void)arg;
    dig(1);
}

int main(int argc, char **argv)
{
    size_t size = 16 * 1024;
    if (argc == 3 && strcmp(argv[1], "--stack") == 0 && atol(argv[2]) > 0)
        size = (size_t)atol(argv[2]) * (strchr(argv[2], 'k') ? 1024 : 1);
    else if (argc != 1) {
        fprintf(stderr, "usage: %s [--stack 16k]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    coro *c = coro_create(overflow, NULL, size);
    if (!c) {
        perror("coro_create");
        return 1;
    }
    void *guard, *bottom, *top;
    coro_stack(c, &guard, &bottom, &top);
    stack_bottom = bottom;
    printf("coroutine stack %p..%p (%zu bytes), guard page %p..%p (PROT_NONE)\n", bottom, top,
           (size_t)((char *)top - (char *)bottom), guard, bottom);
    coro_resume(c);
    printf("not reached: the guard page stops the overflow\n");
    return 0;
}
