/*
 * lru.h - an intrusive list kept in order of use (the kernel's list_head,
 * Redis's adlist): a struct embeds a struct lru_node and sits on one
 * struct lru_list; lru_push puts it at the head (the most recently used),
 * so the tail is the least recently used, the next to evict. Used by the
 * OSS's cache of open objects (oss/obj_cache.c) and the client's read
 * cache (client/rcache.c).
 *
 * No locking: the lock that guards the owner guards its list. A zeroed
 * lru_list is empty; a node is on no list after lru_unlink (and when
 * zeroed), which lru_unlink must not be given.
 */
#ifndef GLINT_COMMON_LRU_H
#define GLINT_COMMON_LRU_H

#include <stddef.h>

struct lru_node {
	struct lru_node *prev, *next; /* towards head, towards tail */
};

struct lru_list {
	struct lru_node *head;	/* most recently used */
	struct lru_node *tail;	/* least recently used */
};

/* The struct of type that embeds node as its member. */
#define LRU_ENTRY(node, type, member) \
	((type *)((char *)(node) - offsetof(type, member)))

static inline void lru_unlink(struct lru_list *l, struct lru_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

static inline void lru_push(struct lru_list *l, struct lru_node *n)
{
	n->prev = NULL;
	n->next = l->head;
	if (l->head)
		l->head->prev = n;
	else
		l->tail = n;
	l->head = n;
}

/* n, on l, was just used: to the head. */
static inline void lru_touch(struct lru_list *l, struct lru_node *n)
{
	if (l->head != n) {
		lru_unlink(l, n);
		lru_push(l, n);
	}
}

#endif
