/* hallway-daemon-transfers-send-private.h: what the two halves of sending
 * to a colleague share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A send offers its files and learns the colleague's answer
 * (hallway-daemon-transfers-send.c), then delivers the accepted files
 * (-send-deliver.c); both run as a SendJob, one request at a time.
 */
#pragma once

#include "hallway-daemon-transfers-private.h"
#include "hallway-deadline.h"

G_BEGIN_DECLS

/* How long an answer may take, beyond a long-poll's wait. */
#define SEND_REQUEST_TIMEOUT_S 20

typedef struct _SendJob SendJob;
typedef void (*AnswerFunc) (SendJob *job,
                            guint    status,
                            GBytes  *body);

/* One run of a send, from its start (or restart) until it waits, fails or
 * is done. Callbacks of an older run find themselves stale and stop. */
struct _SendJob
{
  Transfer              *t;            /* (owned) */
  HallwayTransferRecord *record;       /* (unowned) t's */
  guint                  generation;
  GCancellable          *cancellable;  /* (owned) the run's */
  SoupMessage           *message;      /* the request in flight */
  AnswerFunc             answered;
  HallwayDeadline        deadline;     /* the request in flight's */
  guint8                *buffer;
  gboolean               head_needed;  /* ask how much of the next file arrived */
  guint                  retries_416;
  guint                  conflicts;    /* 409s this run: "accepted" yet refused */
  /* The file being delivered. */
  guint                  index;
  gint64                 offset;
  gint64                 length;
  gint64                 sent;
  int                    fd;
  gboolean               changed;      /* the file changed on disk while being sent */
  guint64                done_bytes;
  GHashTable            *done;         /* indexes delivered, + 1 */
  guint                  position;     /* in record->accepted: those before are delivered */
  gint64                 poll_started;
  guint                  delay_id;
};

/* hallway-daemon-transfers-send.c: a run, its requests and the offer */
void         _send_job_free              (SendJob      *job);
gboolean     _send_job_is_current        (SendJob      *job);
void         _send_job_fail              (SendJob      *job,
                                          const char   *message);
void         _send_job_wait_literal      (SendJob      *job,
                                          const char   *why);
SoupMessage *_send_job_new_message       (SendJob      *job,
                                          const char   *method,
                                          const char   *path);
void         _send_job_request           (SendJob      *job,
                                          SoupMessage  *message,
                                          guint         timeout_s,
                                          AnswerFunc    answered);
gboolean     _send_job_common_answer     (SendJob      *job,
                                          guint         status,
                                          GBytes       *body);
void         _send_job_unexpected_answer (SendJob      *job,
                                          guint         status,
                                          GBytes       *body);
const char  *_send_peer_name             (SendJob      *job);
char        *_send_drop_path             (SendJob      *job,
                                          const char   *suffix);
void         _send_set_bytes             (Transfer     *t,
                                          guint64       done_bytes,
                                          guint64       current_bytes);
gboolean     _send_is_done               (SendJob      *job,
                                          guint         index);
void         _send_poll                  (SendJob      *job,
                                          guint         wait);
void         _send_cancel                (Transfer     *t);

/* hallway-daemon-transfers-send-deliver.c: the accepted files */
void         _send_next_file             (SendJob      *job);
void         _send_job_fail_changed      (SendJob      *job,
                                          const HallwayTransferItem *item);

G_END_DECLS
