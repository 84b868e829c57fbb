/*
 * thread_slot - see thread_slot.h. The key behind a slot is made on the
 * slot's first use, under one lock for all slots (it happens once per
 * slot in a process's life).
 */
#include <eddy/base/thread_slot.h>

static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;

int eddy_thread_slot_keep(eddy_thread_slot *s, void *v)
{
    int state = atomic_load_explicit(&s->state, memory_order_acquire);
    if (state == 0) {
        pthread_mutex_lock(&making);
        if ((state = atomic_load_explicit(&s->state, memory_order_relaxed)) == 0) {
            state = pthread_key_create(&s->key, s->free_fn) == 0 ? 1 : -1;
            atomic_store_explicit(&s->state, state, memory_order_release);
        }
        pthread_mutex_unlock(&making);
    }
    return state == 1 && pthread_setspecific(s->key, v) == 0 ? 0 : -1;
}
