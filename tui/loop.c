/* The event loop (mtr's select() loop is the model): one poll() over the
 * operator's input, the transport's wake-up pipe and a signal self-pipe.
 * Signal handlers only write a byte; everything happens here. */
#include "tui/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/pool/model.h"

#define FRAME_MS 33   /* at most ~30 redraws a second */

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
        /* the pipe is full: the loop already has signals to read */
    }
    errno = saved;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void install(int sig, void (*h)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int loop_run(struct pp_ui *ui, struct pp_runner *r, bool yes, bool linger)
{
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return 1;
    install(SIGINT, on_signal);
    install(SIGTERM, on_signal);
    install(SIGHUP, on_signal);
    install(SIGPIPE, SIG_IGN);
    int stops = 0;
    bool hup = false, stranded = false;
    const char *gone = "";   /* why the operator is gone, once hup is set */
    bool dry = runner_opts(r)->dry_run;   /* a dry run never waits for anyone */
    int64_t last_render = 0;
    int code = 1;
    bool over = false;
    for (;;) {
        runner_tick(r);
        if (!over && runner_done(r, &code)) {
            over = true;
            /* the summary waits for the operator's q, unless nobody is
             * there (hup) or a signal asked the console to stop: a service
             * manager's or an admin's `kill` must end the process */
            if (!linger || hup || stops > 0)
                break;
        }
        /* The terminal is gone (SIGHUP): running steps finish and are
         * journaled; at the next question nobody can answer, so stop there. */
        const struct pp_model *m = runner_model(r);
        if (!over && hup && !stranded && !dry && m->ask != PP_ASK_NONE &&
            !(yes && model_ask_confirmable(m->ask))) {
            char why[160];
            snprintf(why, sizeof why, "%s and the run waits for the operator", gone);
            stranded = true;
            runner_stop(r, why);
            continue;
        }
        int64_t now = mono_ms();
        if (!hup && now - last_render >= FRAME_MS) {
            ui->ops->render(ui);
            last_render = now;
        }
        struct pollfd pf[3];
        int n = 0;
        int in_fd = hup ? -1 : ui->ops->input_fd(ui);
        int t_fd = runner_fd(r);
        pf[n++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
        int in_i = -1, t_i = -1;
        if (in_fd >= 0) {
            in_i = n;
            pf[n++] = (struct pollfd){.fd = in_fd, .events = POLLIN};
        }
        if (t_fd >= 0) {
            t_i = n;
            pf[n++] = (struct pollfd){.fd = t_fd, .events = POLLIN};
        }
        int timeout = runner_poll_timeout(r);
        /* wake once a second for the clocks on screen, sooner for a frame */
        int cap = hup ? 1000 : (now - last_render < FRAME_MS ? FRAME_MS : 1000);
        if (timeout < 0 || timeout > cap)
            timeout = cap;
        int k = poll(pf, (nfds_t)n, timeout);
        if (k < 0 && errno == EINTR) {
            /* SIGWINCH from ncurses' own handler: KEY_RESIZE waits in input */
            if (in_fd >= 0)
                ui->ops->on_input(ui);
            continue;
        }
        if (k <= 0)
            continue;
        if (pf[0].revents & POLLIN) {
            unsigned char sigs[16];
            ssize_t got = read(sig_pipe[0], sigs, sizeof sigs);
            for (ssize_t i = 0; i < got; i++) {
                if (sigs[i] == SIGHUP) {
                    hup = true;
                    gone = "the terminal was lost (SIGHUP)";
                    ui->ops->on_signal(ui, SIGHUP);
                } else if (++stops == 1) {
                    runner_stop(r, "signal received: running commands finish and are "
                                   "journaled (a second signal leaves at once)");
                } else {
                    /* leave now: steps still running are found "lost" on
                     * resume, probed, and put to the operator */
                    ui->ops->fini(ui);
                    code = 1;
                    goto out;
                }
            }
        }
        if (in_i >= 0 && (pf[in_i].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (ui->ops->on_input(ui) < 0) {
                /* the operator is gone (input ended, or done reading the
                 * summary): the same as a lost terminal while running, the
                 * end when over */
                if (over)
                    break;
                if (!hup)
                    gone = "input ended";
                hup = true;
            } else {
                last_render = 0;   /* a key's answer is drawn now, not at the next frame */
            }
        }
        if (over && (hup || stops > 0 || ui->ops->input_fd(ui) < 0))
            break;
        (void)t_i;   /* the runner drains the transport in runner_tick */
    }
    ui->ops->render(ui);
out:
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;
    return code;
}
