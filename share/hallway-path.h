/* hallway-path.h: WebDAV request paths confined to a shared folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

/* Request paths are hostile input; these bound what is accepted. */
#define HALLWAY_PATH_MAX_COMPONENT  255   /* bytes, decoded (NAME_MAX) */
#define HALLWAY_PATH_MAX_TOTAL      4096  /* bytes, decoded, with separators */
#define HALLWAY_PATH_MAX_DEPTH      64    /* components */

G_GNUC_WARN_UNUSED_RESULT
GStrv     hallway_path_split              (const char         *raw_path,
                                           gboolean            allow_hidden,
                                           GError            **error);

gboolean  hallway_path_component_is_valid (const char         *name,
                                           gboolean            allow_hidden);

G_GNUC_WARN_UNUSED_RESULT
int       hallway_path_open               (int                 root_fd,
                                           const char * const *components,
                                           int                 flags,
                                           mode_t              mode,
                                           GError            **error);

G_GNUC_WARN_UNUSED_RESULT
int       hallway_path_open_parent        (int                 root_fd,
                                           const char * const *components,
                                           const char        **out_name,
                                           GError            **error);

G_GNUC_WARN_UNUSED_RESULT
int       hallway_path_make_parent        (int                 root_fd,
                                           const char * const *components,
                                           const char        **out_name,
                                           GError            **error);

gboolean  hallway_path_check_hidden_links (int                 root_fd,
                                           const char * const *components,
                                           gboolean            allow_hidden,
                                           GError            **error);

void      hallway_path_append_href_name   (GString            *out,
                                           const char         *name);
G_GNUC_WARN_UNUSED_RESULT
char     *hallway_path_join_href          (const char         *prefix,
                                           const char * const *components,
                                           gboolean            is_folder);

G_END_DECLS
