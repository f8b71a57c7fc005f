/* Capture mode (--capture DIR): runs the read-only commands a profile
 * relies on, on one Front End of a real pool, and writes what came back,
 * byte for byte, to a folder a user can attach to a bug report.  Nothing
 * that changes a server is sent: only Get-* cmdlets, Get-Member /
 * Format-List / ConvertTo-Json of their answers, the profile's own
 * readiness and probe commands (which --dry-run runs too), and two probes
 * of how PowerShell writes its streams.
 *
 * Files, per command NN-name: .command.txt (the script), .stdout, .stderr
 * (raw: CLIXML and BOMs are what we want to see), .result (result, exit
 * status, duration).  capture.txt says what was captured and how.
 * tests/vectors/readiness/ is where such a capture becomes a test. */
#ifndef PP_SSH_CAPTURE_H
#define PP_SSH_CAPTURE_H

#include <stdio.h>

#include "config/config.h"

/* server: a name from [servers] (NULL = the first).  Questions (host key,
 * password) are asked on the terminal.  Progress lines go to `progress`.
 * Returns 0 when every command ran to an end (whatever its result), -1
 * with err set when the capture could not be made. */
int ssh_capture_run(const struct pp_config *cfg, const char *server, const char *dir,
                    FILE *progress, char *err, size_t errn);

#endif
