/*
 * thread_slot - an object of each thread's own, freed when the thread
 * ends: what a hot path keeps between calls on one thread (a MAC keyed
 * with the server's secret, the last JSON plan) without a lock, and
 * without leaking it when a pool's thread goes away.
 *
 *   static eddy_thread_slot slot = EDDY_THREAD_SLOT(my_free);
 *   static _Thread_local struct mine *mine;
 *   ...
 *   if (!mine && (mine = calloc(1, sizeof *mine)) && eddy_thread_slot_keep(&slot, mine) < 0) {
 *       free(mine); // no slot: the caller does without
 *       mine = NULL;
 *   }
 *
 * The slot only frees; the caller keeps its own _Thread_local pointer,
 * which reads faster than pthread_getspecific.
 */
#ifndef EDDY_THREAD_SLOT_H
#define EDDY_THREAD_SLOT_H

#include <pthread.h>
#include <stdatomic.h>

typedef struct eddy_thread_slot {
    void (*free_fn)(void *);
    pthread_key_t key;
    _Atomic int state; /* 0 not made yet, 1 made, -1 could not be made */
} eddy_thread_slot;

#define EDDY_THREAD_SLOT(free_fn) {(free_fn), 0, 0}

/* eddy_thread_slot_keep - have v freed by the slot's free_fn when this
 * thread ends; 0, or -1 when that cannot be arranged (v is not taken). */
int eddy_thread_slot_keep(eddy_thread_slot *s, void *v);

#endif
