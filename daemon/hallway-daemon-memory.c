/* hallway-daemon-memory.c: hallwayd gives back what a burst took
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd idles most of the day and works in bursts: a copy of 10,000
 * files, a 1 GiB file, a crowd of connections. glibc's malloc keeps what
 * such a burst freed for the next one, in the main heap and in an arena
 * per thread that ever allocated, so a daemon that once copied a folder
 * would hold ten times its idle memory until it stops. Three things keep
 * it light:
 *
 *  - no slice caches: GLib's slice allocator is told to use malloc;
 *  - one arena: worker threads allocate from the main one instead of an
 *    arena each (up to eight per core). malloc_trim() can give back the
 *    top of the main arena only, and a worker's arena kept a megabyte
 *    after each copy; hallwayd's threads allocate per block, not per
 *    byte, so sharing the lock costs nothing measurable;
 *  - once a burst is over (malloc holds more than MEMORY_SLACK free, and
 *    no less than at the check before), malloc_trim() returns the free
 *    pages of every arena to the system. A check runs every few seconds
 *    and costs a walk of malloc's free lists.
 */
#include "config.h"

#include "hallway-daemon-memory.h"

#include <errno.h>
#include <unistd.h>

#ifdef __GLIBC__
# include <malloc.h>
#endif

#define CHECK_SECONDS 5
/* Free memory malloc may keep for the next request without a trim. */
#define MEMORY_SLACK  (512 * 1024)

/**
 * hallway_daemon_memory_init:
 * @argv: hallwayd's arguments
 *
 * Sets how memory is kept, first thing in main(). May start hallwayd
 * again (same process, same arguments) with G_SLICE=always-malloc set.
 */
void
hallway_daemon_memory_init (char **argv)
{
  /* GLib before 2.76 keeps freed slices in magazines of its own, which
   * malloc_trim() cannot give back: a copy of 10,000 files left 6 MB there
   * for good. It reads G_SLICE when the first slice is allocated, which
   * GLib's own constructors do before main() runs; so the only way to set
   * it is before the program starts. */
  if (g_getenv ("G_SLICE") == NULL && glib_check_version (2, 76, 0) != NULL)
    {
      g_setenv ("G_SLICE", "always-malloc", TRUE);
      execv ("/proc/self/exe", argv);
      g_debug ("Could not start again without GLib's slice caches: %s", g_strerror (errno));
    }
#ifdef __GLIBC__
  mallopt (M_ARENA_MAX, 1);
#endif
}

/* How much malloc holds free, and could give back. */
static gsize
free_held (void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  struct mallinfo2 info = mallinfo2 ();

  return info.fordblks;
#else
  return 0;
#endif
}

/**
 * hallway_daemon_memory_release:
 *
 * Gives the free pages malloc holds back to the system.
 *
 * Returns: how many bytes malloc held free before
 */
gsize
hallway_daemon_memory_release (void)
{
  gsize held = free_held ();

#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return held;
}

static gboolean
check_cb (gpointer user_data)
{
  gsize *last = user_data;
  gsize held = free_held ();

  /* Still growing or being reused: a burst is going on; leave it its
   * memory. Steady and above the slack: the burst is over. */
  if (held > MEMORY_SLACK && held <= *last)
    {
      g_debug ("Giving back %" G_GSIZE_FORMAT " kB of free memory", held / 1024);
      hallway_daemon_memory_release ();
      held = free_held ();
    }
  *last = held;
  return G_SOURCE_CONTINUE;
}

/**
 * hallway_daemon_memory_watch:
 *
 * Starts giving memory back after bursts of work, on the main context.
 *
 * Returns: the source id
 */
guint
hallway_daemon_memory_watch (void)
{
  return g_timeout_add_seconds_full (G_PRIORITY_LOW, CHECK_SECONDS, check_cb,
                                     g_new0 (gsize, 1), g_free);
}
