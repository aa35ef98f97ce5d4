/* hallway-print.c: printing a file on a colleague's printer through CUPS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A colleague's shared printer is announced over DNS-SD as an IPP
 * Everywhere printer. This computer's CUPS sees it as a destination and
 * makes a temporary driverless queue for it on first use; no
 * administrator is needed. So printing is: find that destination (by the
 * printer's UUID, which CUPS keeps in the queue's device URI, or by its
 * announced name), then hand CUPS the file. libcups blocks, so the
 * asynchronous variants run in a worker thread.
 */
#include "config.h"

#include "hallway-print.h"

#include <cups/cups.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
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

/**
 * hallway_print_find_destination:
 * @uuid: (nullable): the printer's UUID, as its announcement's UUID key
 * @instance: (nullable): its announced name, "Office printer @ Alice Martin"
 * @timeout_ms: how long to browse the network for it
 *
 * Blocks while CUPS looks.
 *
 * Returns: (nullable): the CUPS destination's name
 */
char *
hallway_print_find_destination (const char *uuid,
                                const char *instance,
                                int         timeout_ms)
{
  FindDest find = { uuid, instance, NULL };

  cupsEnumDests (CUPS_DEST_FLAGS_NONE, timeout_ms, NULL, 0, 0, dest_found_cb, &find);
  return find.name;
}

/**
 * hallway_print_connect:
 *
 * A connection to this computer's CUPS of the caller's own: after
 * cupsEnumDests() the default one may be closed.
 *
 * Returns: (nullable): the connection, for httpClose()
 */
http_t *
hallway_print_connect (GError **error)
{
  http_t *http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC, cupsEncryption (),
                               1, 30000, NULL);

  if (http == NULL)
    g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                         _("This computer's print service (CUPS) is not running"));
  return http;
}

/**
 * hallway_print_file:
 * @http: a connection to this computer's CUPS
 * @destination: a CUPS destination
 * @path: the file to print; CUPS works out its format
 *
 * Blocks while the file is handed to CUPS.
 *
 * Returns: the CUPS job id, or 0 with @error set
 */
int
hallway_print_file (http_t      *http,
                    const char  *destination,
                    const char  *path,
                    GError     **error)
{
  g_autofree char *title = g_path_get_basename (path);
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

/**
 * hallway_print_set_default:
 * @destination: a CUPS destination
 *
 * Makes @destination this person's default printer (in their own CUPS
 * options, ~/.cups/lpoptions: no administrator needed). Blocks.
 */
gboolean
hallway_print_set_default (const char  *destination,
                           GError     **error)
{
  http_t *http = hallway_print_connect (error);
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

/* Asynchronous variants */

typedef struct
{
  char *uuid;
  char *instance;
  char *path;     /* (nullable) NULL to make it the default */
} PrintJob;

static void
print_job_free (PrintJob *job)
{
  g_free (job->uuid);
  g_free (job->instance);
  g_free (job->path);
  g_free (job);
}

static void
print_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  PrintJob *job = task_data;
  g_autofree char *destination = NULL;
  GError *error = NULL;

  destination = hallway_print_find_destination (job->uuid, job->instance,
                                                HALLWAY_PRINT_FIND_TIMEOUT_MS);
  if (destination == NULL)
    {
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                               _("This computer's print service (CUPS) does not see the "
                                 "printer on the network. Is CUPS running here?"));
      return;
    }

  if (job->path != NULL)
    {
      http_t *http = hallway_print_connect (&error);
      int job_id = http != NULL ? hallway_print_file (http, destination, job->path, &error) : 0;

      if (http != NULL)
        httpClose (http);
      if (job_id <= 0)
        g_task_return_error (task, error);
      else
        g_task_return_int (task, job_id);
    }
  else if (!hallway_print_set_default (destination, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start (const char          *uuid,
       const char          *instance,
       const char          *path,
       gpointer             source_tag,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  PrintJob *job = g_new0 (PrintJob, 1);

  job->uuid = g_strdup (uuid);
  job->instance = g_strdup (instance);
  job->path = g_strdup (path);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) print_job_free);
  g_task_run_in_thread (task, print_thread);
}

/**
 * hallway_print_file_async:
 * @uuid: (nullable): the printer's UUID
 * @instance: (nullable): its announced name
 * @path: the file to print
 *
 * Finds the printer's CUPS destination and prints @path on it.
 */
void
hallway_print_file_async (const char          *uuid,
                          const char          *instance,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (path != NULL);

  start (uuid, instance, path, hallway_print_file_async, cancellable, callback, user_data);
}

/* Returns: the CUPS job id, or 0 with @error set */
int
hallway_print_file_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

/**
 * hallway_print_set_default_async:
 * @uuid: (nullable): the printer's UUID
 * @instance: (nullable): its announced name
 *
 * Finds the printer's CUPS destination and makes it the default.
 */
void
hallway_print_set_default_async (const char          *uuid,
                                 const char          *instance,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  start (uuid, instance, NULL, hallway_print_set_default_async, cancellable, callback, user_data);
}

gboolean
hallway_print_set_default_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
