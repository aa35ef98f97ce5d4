/* hallway-daemon-print.c: printing a file through this computer's CUPS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What Printer1.Print, GetJobState and SetDefault do. A colleague's
 * shared printer is announced over DNS-SD as an IPP Everywhere printer.
 * This computer's CUPS sees it as a destination and makes a temporary
 * driverless queue for it on first use; no administrator is needed. So
 * printing is: find that destination (by the printer's UUID, which CUPS
 * keeps in the queue's device URI, or by its announced name), then hand
 * CUPS the file. A printer of this computer is its queue. libcups blocks,
 * so all of it runs in worker threads; hallwayd owns every network
 * concern (DESIGN §3), so the window and hallwayctl ask it over D-Bus.
 */
#include "config.h"

#include "hallway-daemon-print.h"

#include <cups/cups.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "hallway-constants.h"
#include "hallway-error.h"

typedef struct
{
  const char *uuid;
  const char *instance;
  char       *name;
} FindDest;

static int
dest_found_cb (void        *user_data,
               unsigned     flags,
               cups_dest_t *dest)
{
  FindDest *find = user_data;
  const char *device_uri = cupsGetOption ("device-uri", dest->num_options, dest->options);
  const char *uuid = cupsGetOption ("printer-uuid", dest->num_options, dest->options);
  const char *info = cupsGetOption ("printer-info", dest->num_options, dest->options);
  g_autofree char *needle = NULL;

  if (flags & CUPS_DEST_FLAGS_REMOVED)
    return 1;
  if (find->uuid != NULL && *find->uuid != '\0')
    needle = g_strconcat ("uuid=", find->uuid, NULL);
  if ((needle != NULL && device_uri != NULL && strcasestr (device_uri, needle) != NULL) ||
      (needle != NULL && uuid != NULL && strcasestr (uuid, find->uuid) != NULL) ||
      (info != NULL && find->instance != NULL && g_str_equal (info, find->instance)))
    {
      find->name = g_strdup (dest->name);
      return 0;
    }
  return 1;
}

/* The CUPS destination of a neighbour's printer, by its UUID (as its
 * announcement's UUID key) or its announced name ("Office printer @ Alice
 * Martin"). Blocks while CUPS browses the network, for at most
 * @timeout_ms. */
static char *
find_destination (const char *uuid,
                  const char *instance,
                  int         timeout_ms)
{
  FindDest find = { uuid, instance, NULL };

  cupsEnumDests (CUPS_DEST_FLAGS_NONE, timeout_ms, NULL, 0, 0, dest_found_cb, &find);
  return find.name;
}

/* A connection to this computer's CUPS of the caller's own: after
 * cupsEnumDests() the default one may be closed. */
static http_t *
connect_cups (GError **error)
{
  http_t *http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC, cupsEncryption (),
                               1, 30000, NULL);

  if (http == NULL)
    g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                         _("This computer's print service (CUPS) is not running"));
  return http;
}

/* Hands @path to CUPS for @destination; CUPS works out its format.
 * Returns the job id, or 0 with @error set. */
static int
print_file (http_t      *http,
            const char  *destination,
            const char  *path,
            const char  *title,
            GError     **error)
{
  g_autofree char *buffer = NULL;
  ipp_status_t status;
  ssize_t n;
  int job_id;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not read “%s”: %s"), title, g_strerror (saved_errno));
      return 0;
    }

  job_id = cupsCreateJob (http, destination, title, 0, NULL);
  if (job_id <= 0)
    {
      close (fd);
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("The printer did not take the job: %s"), cupsLastErrorString ());
      return 0;
    }
  if (cupsStartDocument (http, destination, job_id, title, CUPS_FORMAT_AUTO, 1) !=
      HTTP_STATUS_CONTINUE)
    {
      close (fd);
      cupsCancelJob2 (http, destination, job_id, 0);
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not send “%s” to the printer: %s"), title, cupsLastErrorString ());
      return 0;
    }

  buffer = g_malloc (HALLWAY_BLOCK_SIZE);
  while ((n = read (fd, buffer, HALLWAY_BLOCK_SIZE)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && cupsWriteRequestData (http, buffer, n) != HTTP_STATUS_CONTINUE)
      break;
  close (fd);
  status = cupsFinishDocument (http, destination);
  if (n != 0 || status > IPP_STATUS_OK_CONFLICTING)
    {
      cupsCancelJob2 (http, destination, job_id, 0);
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not send “%s” to the printer: %s"), title,
                   n != 0 ? g_strerror (errno) : cupsLastErrorString ());
      return 0;
    }
  return job_id;
}

/* Makes @destination this person's default printer, in their own CUPS
 * options (~/.cups/lpoptions): no administrator needed. */
static gboolean
set_default (const char  *destination,
             GError     **error)
{
  http_t *http = connect_cups (error);
  cups_dest_t *dests = NULL;
  cups_dest_t *dest;
  int n;

  if (http == NULL)
    return FALSE;
  n = cupsGetDests2 (http, &dests);
  dest = cupsGetDest (destination, NULL, n, dests);

  /* A temporary queue CUPS has not listed yet is added to the list. */
  if (dest == NULL)
    {
      n = cupsAddDest (destination, NULL, n, &dests);
      dest = cupsGetDest (destination, NULL, n, dests);
    }
  if (dest == NULL)
    {
      cupsFreeDests (n, dests);
      httpClose (http);
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("The printer is not known to this computer's print service"));
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    dests[i].is_default = &dests[i] == dest;
  if (cupsSetDests2 (http, n, dests) != 0)
    {
      cupsFreeDests (n, dests);
      httpClose (http);
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not save the default printer: %s"), cupsLastErrorString ());
      return FALSE;
    }
  cupsFreeDests (n, dests);
  httpClose (http);
  return TRUE;
}

/* The state of job @job_id, whichever queue it is in. */
static char *
dup_job_state (guint    job_id,
               GError **error)
{
  static const struct { ipp_jstate_t state; const char *name; } names[] = {
    { IPP_JSTATE_PENDING, "pending" },
    { IPP_JSTATE_HELD, "held" },
    { IPP_JSTATE_PROCESSING, "processing" },
    { IPP_JSTATE_STOPPED, "stopped" },
    { IPP_JSTATE_CANCELED, "cancelled" },
    { IPP_JSTATE_ABORTED, "aborted" },
    { IPP_JSTATE_COMPLETED, "completed" },
  };
  http_t *http = connect_cups (error);
  cups_job_t *jobs = NULL;
  const char *state = NULL;
  int n;

  if (http == NULL)
    return NULL;
  n = cupsGetJobs2 (http, &jobs, NULL, 0, CUPS_WHICHJOBS_ALL);
  for (int i = 0; i < n && state == NULL; i++)
    if (jobs[i].id > 0 && (guint) jobs[i].id == job_id)
      for (guint j = 0; j < G_N_ELEMENTS (names) && state == NULL; j++)
        if (names[j].state == jobs[i].state)
          state = names[j].name;
  cupsFreeJobs (n, jobs);
  httpClose (http);
  if (state == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("This computer's print service knows no job %u"), job_id);
      return NULL;
    }
  return g_strdup (state);
}

/* Worker threads */

typedef enum
{
  WORK_PRINT,
  WORK_SET_DEFAULT,
  WORK_JOB_STATE,
} WorkKind;

typedef struct
{
  WorkKind  kind;
  char     *queue;
  char     *uuid;
  char     *instance;
  char     *path;
  char     *title;
  guint     job_id;
} Work;

static void
work_free (Work *work)
{
  g_free (work->queue);
  g_free (work->uuid);
  g_free (work->instance);
  g_free (work->path);
  g_free (work->title);
  g_free (work);
}

static void
work_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Work *work = task_data;
  g_autofree char *destination = NULL;
  GError *error = NULL;

  if (work->kind == WORK_JOB_STATE)
    {
      char *state = dup_job_state (work->job_id, &error);

      if (state == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, state, g_free);
      return;
    }

  destination = work->queue != NULL
    ? g_strdup (work->queue)
    : find_destination (work->uuid, work->instance, HALLWAY_DAEMON_PRINT_FIND_TIMEOUT_MS);
  if (destination == NULL)
    {
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                               _("This computer's print service (CUPS) does not see the "
                                 "printer on the network. Is CUPS running here?"));
      return;
    }

  if (work->kind == WORK_PRINT)
    {
      http_t *http = connect_cups (&error);
      int job_id = http != NULL ? print_file (http, destination, work->path, work->title, &error)
                                : 0;

      if (http != NULL)
        httpClose (http);
      if (job_id <= 0)
        g_task_return_error (task, error);
      else
        g_task_return_int (task, job_id);
    }
  else if (!set_default (destination, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start (Work                           *work,
       const HallwayDaemonPrintTarget *target,
       gpointer                        source_tag,
       GAsyncReadyCallback             callback,
       gpointer                        user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  if (target != NULL)
    {
      work->queue = g_strdup (target->queue);
      work->uuid = g_strdup (target->uuid);
      work->instance = g_strdup (target->instance);
    }
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, work, (GDestroyNotify) work_free);
  g_task_run_in_thread (task, work_thread);
}

/**
 * hallway_daemon_print_file_async:
 * @target: the printer
 * @path: the file to print (absolute)
 * @title: (nullable): the job's name; %NULL or "" for the file's name
 *
 * Prints @path on @target.
 */
void
hallway_daemon_print_file_async (const HallwayDaemonPrintTarget *target,
                                 const char                     *path,
                                 const char                     *title,
                                 GAsyncReadyCallback             callback,
                                 gpointer                        user_data)
{
  Work *work;

  g_return_if_fail (target != NULL);
  g_return_if_fail (path != NULL);

  work = g_new0 (Work, 1);
  work->kind = WORK_PRINT;
  work->path = g_strdup (path);
  work->title = title != NULL && *title != '\0' ? g_strdup (title) : g_path_get_basename (path);
  start (work, target, hallway_daemon_print_file_async, callback, user_data);
}

/* Returns: the CUPS job id, or 0 with @error set */
guint
hallway_daemon_print_file_finish (GAsyncResult  *result,
                                  GError       **error)
{
  gssize job;

  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);

  job = g_task_propagate_int (G_TASK (result), error);
  return job > 0 ? (guint) job : 0;
}

/**
 * hallway_daemon_print_set_default_async:
 * @target: the printer
 *
 * Makes @target this person's default printer.
 */
void
hallway_daemon_print_set_default_async (const HallwayDaemonPrintTarget *target,
                                        GAsyncReadyCallback             callback,
                                        gpointer                        user_data)
{
  Work *work;

  g_return_if_fail (target != NULL);

  work = g_new0 (Work, 1);
  work->kind = WORK_SET_DEFAULT;
  start (work, target, hallway_daemon_print_set_default_async, callback, user_data);
}

gboolean
hallway_daemon_print_set_default_finish (GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hallway_daemon_print_get_job_state_async:
 * @job_id: a job id hallway_daemon_print_file_finish() returned
 *
 * Asks CUPS how the job is doing.
 */
void
hallway_daemon_print_get_job_state_async (guint               job_id,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  Work *work = g_new0 (Work, 1);

  work->kind = WORK_JOB_STATE;
  work->job_id = job_id;
  start (work, NULL, hallway_daemon_print_get_job_state_async, callback, user_data);
}

/* Returns: (transfer full): the job's state, as Printer1.GetJobState says */
char *
hallway_daemon_print_get_job_state_finish (GAsyncResult  *result,
                                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
