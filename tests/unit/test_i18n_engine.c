/* The engine's language: what the operator reads (questions, notes, the
 * pool problem on screen, the text of the exit) follows the console's
 * locale; what the journal keeps is English whatever the locale.  And the
 * screen learns from a flag, not from the words, whether a start question
 * already states the quorum.
 *
 * The zh_TW catalogue is compiled here from po/zh_TW.po (msgfmt), into a
 * temp dir, and selected with LANGUAGE over C.UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/engine/engine_internal.h"
#include "backend/core/i18n.h"
#include "tests/unit/helpers/engine_driver.h"

static char catalogue[256];

static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Every field the engine fills in every record it journaled. */
static void assert_journal_english(const struct drv *d)
{
    for (int i = 0; i < d->nrec; i++) {
        const struct pp_jrec *r = &d->recs[i];
        const char *f[] = {r->event, r->server, r->domain, r->step, r->state,
                           r->result, r->action, r->reason, r->detail};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            if (!ascii(f[k]))
                fail_msg("record %d (%s) holds translated text: \"%s\"", i, r->event, f[k]);
    }
}

static const char *exit_text(const struct drv *d)
{
    for (int i = 0; i < d->a.n; i++)
        if (d->a.v[i].type == PP_ACT_EXIT)
            return d->a.v[i].text;
    return NULL;
}

static void use_locale(bool zh)
{
    if (zh) {
        setenv("LANGUAGE", "zh_TW", 1);
        assert_non_null(bindtextdomain(PP_TEXTDOMAIN, catalogue));
    } else {
        unsetenv("LANGUAGE");
    }
    /* a new setlocale makes gettext drop what it cached */
    setlocale(LC_ALL, "C.UTF-8");
}

static int setup(void **st)
{
    (void)st;
    const char *src = getenv("PP_SOURCE_DIR");
    char dir[] = "/tmp/pp-i18n-engine.XXXXXX";
    if (!src || !mkdtemp(dir))
        return -1;
    snprintf(catalogue, sizeof catalogue, "%s", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/zh_TW/LC_MESSAGES' && msgfmt -o '%s/zh_TW/LC_MESSAGES/poolpilot.mo' "
             "'%s/po/zh_TW.po'",
             dir, dir, src);
    if (system(cmd) != 0) {
        fprintf(stderr, "msgfmt failed (apt-get install gettext)\n");
        return -1;
    }
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    use_locale(false);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", catalogue);
    return system(cmd) == 0 ? 0 : -1;
}

static void to_first_domain(struct drv *d)
{
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
}

/* Without a catalogue (the C locale of every other test) the words are
 * the English ones, to the byte. */
static void test_english_without_catalogue(void **st)
{
    (void)st;
    use_locale(false);
    struct drv *d = drv_pool8("", "");
    to_first_domain(d);
    assert_string_equal(d->m.ask_text,
                        "Start UpgradeDomain1 (fe01.contoso.com, fe02.contoso.com): drain "
                        "gracefully (new connections refused, running calls finish), upgrade, "
                        "restart, verify. 6 of 8 Front Ends stay up; quorum needs 4 of the "
                        "first 7 (5 stay up, margin 1).");
    assert_true(d->m.ask_quorum);
    drv_op(d, PP_OP_QUIT, NULL);
    assert_true(d->exited);
    assert_string_equal(exit_text(d), "operator quit");
    assert_string_equal(drv_last(d, "stop")->reason, "operator quit");
    drv_destroy(d);
    /* an event line is as the journal has it (test_event_lines_said) */
    struct pp_jrec r;
    memset(&r, 0, sizeof r);
    snprintf(r.event, sizeof r.event, "step-end");
    snprintf(r.server, sizeof r.server, "fe01.contoso.com");
    snprintf(r.step, sizeof r.step, "drain");
    snprintf(r.result, sizeof r.result, "ok");
    snprintf(r.detail, sizeof r.detail, "fe01.contoso.com is back: SSH answers again after 5m49s");
    char line[1400];
    journal_describe(&r, line, sizeof line);
    assert_string_equal(line, "step-end fe01.contoso.com drain -> ok (fe01.contoso.com is back: "
                              "SSH answers again after 5m49s)");
}

static void test_questions_translated_journal_english(void **st)
{
    (void)st;
    use_locale(true);
    /* the catalogue is really in use: a string the UI shows anyway */
    assert_string_not_equal(_("Start domain?"), "Start domain?");
    struct drv *d = drv_pool8("", "");
    to_first_domain(d);
    assert_non_null(strstr(d->m.ask_text, "開始 UpgradeDomain1（fe01.contoso.com, fe02"));
    assert_non_null(strstr(d->m.ask_text, "仲裁：前 7 台中至少要有 4 台保持運作（其中 5 台保持運作，餘裕 1）"));
    assert_null(strstr(d->m.ask_text, "quorum"));
    assert_true(d->m.ask_quorum);   /* the screen adds no quorum line of its own */

    /* a note (not journaled) */
    drv_op(d, PP_OP_RECHECK, NULL);
    drv_op(d, PP_OP_RECHECK, NULL);
    assert_string_equal(d->last_note, "已有一個就緒檢查正在執行");
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);

    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->m.ask, PP_ASK_NONE);
    assert_false(d->m.ask_quorum);
    drv_op(d, PP_OP_QUIT, NULL);
    drv_finish_all_ok(d);
    assert_true(d->exited);
    assert_string_equal(exit_text(d), "操作員結束執行");
    assert_string_equal(drv_last(d, "stop")->reason, "operator quit");
    assert_journal_english(d);
    drv_destroy(d);
    use_locale(false);
}

/* A pool problem: the journal's reason in English, the screen's in Chinese,
 * formatted from the same arguments. */
static void test_pool_problem_both_languages(void **st)
{
    (void)st;
    use_locale(true);
    struct drv *d = drv_pool8(DRV_DR, "");
    drv_start(d);
    for (int k = 1; k <= 3; k++) {
        drv_answer_check(d, PP_READY_BUSY);
        if (k < 3)
            assert_true(drv_wake(d));
    }
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    assert_string_equal(drv_last(d, "pool-problem")->reason,
                        "the pool answered Busy 3 times in a row");
    assert_string_equal(d->m.problem, "集區連續回答 Busy 3 次");
    assert_non_null(strstr(d->m.ask_text, "集區有問題：集區連續回答 Busy 3 次。"));
    assert_non_null(strstr(d->m.ask_text, "Invoke-CsPoolFailOver"));
    /* an override refused: the note is translated, nothing journaled */
    int before = d->nrec;
    drv_override(d, PP_OV_FORCE, "fe01.contoso.com", "test");
    assert_non_null(strstr(d->last_note, "遭拒"));
    assert_int_equal(d->nrec, before);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish_all_ok(d);
    assert_true(d->m.failed_over);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_non_null(strstr(d->m.ask_text, "集區已容錯移轉到 pool02.contoso.com"));
    assert_true(d->m.ask_quorum);
    drv_autorun(d, 10000);
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 0);
    assert_string_equal(exit_text(d), "所有網域都已完成；集區已容錯回復；poolpilot 未更新後端：請在一台前端上執行 "
                                      "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <您的後端>");
    assert_string_equal(drv_last(d, "complete")->reason,
                        "all domains done; the pool is failed back; Back End not updated by "
                        "poolpilot: run Install-CsDatabase -Update -ConfiguredDatabases "
                        "-SqlServerFqdn <your Back End> on a Front End");
    assert_journal_english(d);
    drv_destroy(d);
    use_locale(false);
}

/* A start question the server list filled: cut, so it may have lost the
 * quorum, and the flag says so (the screen then adds its own line). */
static void test_cut_question_has_no_quorum_flag(void **st)
{
    (void)st;
    use_locale(false);
    char ini[4096], a[60], b[61];
    memset(a, 'a', sizeof a - 1);
    a[sizeof a - 1] = 0;
    memset(b, 'b', sizeof b - 1);
    b[sizeof b - 1] = 0;
    size_t off = (size_t)snprintf(ini, sizeof ini,
                                  "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n"
                                  "[servers]\n");
    for (int i = 1; i <= 8; i++)
        off += (size_t)snprintf(ini + off, sizeof ini - off,
                                "fe%02d%.50s.%s.contoso.com = UpgradeDomain%d\n", i, a, b,
                                (i - 1) / 4 + 1);
    struct drv *d = calloc(1, sizeof *d);
    assert_non_null(d);
    drv_init(d, ini);
    to_first_domain(d);
    /* four names of 117 characters do not fit in one question */
    assert_int_equal(strlen(d->m.ask_text) + 1, sizeof d->m.ask_text);
    assert_false(d->m.ask_quorum);
    drv_destroy(d);
}

/* A buffer that cuts a Chinese text mid-character: the half is dropped. */
static void test_utf8_trim(void **st)
{
    (void)st;
    char s[16];
    snprintf(s, sizeof s, "%s", "集區有問題");   /* 15 bytes: fits */
    utf8_trim_tail(s);
    assert_string_equal(s, "集區有問題");
    memcpy(s, "集區有問題", 7);                  /* 集區 + 1 byte of 有 */
    s[7] = 0;
    utf8_trim_tail(s);
    assert_string_equal(s, "集區");
    memcpy(s, "集區有問題", 8);                  /* 集區 + 2 bytes of 有 */
    s[8] = 0;
    utf8_trim_tail(s);
    assert_string_equal(s, "集區");
    snprintf(s, sizeof s, "%s", "ab\xc3");        /* a 2-byte character cut */
    utf8_trim_tail(s);
    assert_string_equal(s, "ab");
    snprintf(s, sizeof s, "%s", "quorum");
    utf8_trim_tail(s);
    assert_string_equal(s, "quorum");
    s[0] = 0;
    utf8_trim_tail(s);
    assert_string_equal(s, "");
}

/* An event line is said in the operator's language from the record's
 * English: words through pp_label(), reasons and details through the
 * templates of journal_say(); text no template made stays as written. */
static void test_event_lines_said(void **st)
{
    (void)st;
    struct pp_jrec r;
    memset(&r, 0, sizeof r);
    snprintf(r.event, sizeof r.event, "step-end");
    snprintf(r.domain, sizeof r.domain, "UpgradeDomain1");
    snprintf(r.server, sizeof r.server, "fe01.contoso.com");
    snprintf(r.step, sizeof r.step, "drain");
    snprintf(r.result, sizeof r.result, "ok");
    snprintf(r.detail, sizeof r.detail, "RTCSRV Stopped");
    char line[1400], out[1024];

    use_locale(true);
    journal_describe(&r, line, sizeof line);
    assert_string_equal(line, "步驟結束 UpgradeDomain1 fe01.contoso.com 清空 → 成功（RTCSRV Stopped）");
    journal_say("", out, sizeof out);   /* never the catalogue's header */
    assert_string_equal(out, "");
    journal_say("fe01.contoso.com is back: SSH answers again after 5m49s", out, sizeof out);
    assert_string_equal(out, "fe01.contoso.com 已回來：SSH 在 5m49s 後再次回應");
    journal_say("active 8/8; UpgradeDomain1 ready; UpgradeDomain2 not ready", out, sizeof out);
    assert_string_equal(out, "作用中 8/8；UpgradeDomain1 就緒；UpgradeDomain2 未就緒");
    /* a server's own output, separators and all */
    journal_say("Update installed; a restart is required", out, sizeof out);
    assert_string_equal(out, "Update installed; a restart is required");
    /* a drain refused by the server's answer just before it (issue 13) */
    journal_say("fe02.contoso.com: not drained: the update package is missing on the server: no "
                "file C:\\Updates\\x.exe: run poolpilot --stage, then retry", out, sizeof out);
    assert_string_equal(out, "fe02.contoso.com：未清空：伺服器上缺少更新套件：沒有檔案 "
                             "C:\\Updates\\x.exe：請執行 poolpilot --stage 後重試");
    journal_say("fe02.contoso.com: not drained: C:\\Updates\\x.exe on the server is another "
                "file: sha256 00ff, not 11ee: run poolpilot --stage, then retry", out, sizeof out);
    assert_string_equal(out, "fe02.contoso.com：未清空：伺服器上的 C:\\Updates\\x.exe 是另一個"
                             "檔案：sha256 為 00ff，而不是 11ee：請執行 poolpilot --stage 後重試");
    journal_say("fe02.contoso.com: not drained: cannot tell whether the update package is on the "
                "server (the check of C:\\x.exe ended timeout: no end within 30s)", out, sizeof out);
    assert_string_equal(out, "fe02.contoso.com：未清空：無法判斷伺服器上是否有更新套件（the check "
                             "of C:\\x.exe ended timeout: no end within 30s）");
    /* a step name inside a template is said too */
    journal_say("re-run upgrade on fe07.contoso.com", out, sizeof out);
    assert_string_equal(out, "在 fe07.contoso.com 上重跑升級");
    journal_say("retry fe04.contoso.com (verify)", out, sizeof out);   /* the command word stays */
    assert_string_equal(out, "retry fe04.contoso.com（驗證）");
    /* the start record: nine values, the timings in force among them */
    journal_say("pool pool01.contoso.com profile lync2013 mode graceful, 8 Front Ends, quorum "
                "lync, Busy retry 600s, 3 strikes, settle 1200s, topology 6f67cc3d, training "
                "scenario happy", out, sizeof out);
    assert_string_equal(out, "集區 pool01.contoso.com，設定檔 lync2013，模式 graceful，8 台前端伺服器，"
                             "仲裁規則 lync，Busy 重試間隔 600 秒，連續 3 次 Busy 即為問題，穩定等待 "
                             "1200 秒，拓撲 6f67cc3d，訓練情境 happy");

    /* a detail that filled its field was cut: its fragment becomes "..." */
    snprintf(r.event, sizeof r.event, "readiness");
    r.step[0] = r.result[0] = 0;
    size_t o = (size_t)snprintf(r.detail, sizeof r.detail, "active 50/50");
    for (int i = 1; o < sizeof r.detail - 1; i++)
        o += (size_t)snprintf(r.detail + o, sizeof r.detail - o, "; UpgradeDomain%d ready", i);
    journal_describe(&r, line, sizeof line);
    assert_non_null(strstr(line, "；…）"));
    assert_null(strstr(line, "rea）"));
    use_locale(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_without_catalogue),
        cmocka_unit_test(test_questions_translated_journal_english),
        cmocka_unit_test(test_pool_problem_both_languages),
        cmocka_unit_test(test_cut_question_has_no_quorum_flag),
        cmocka_unit_test(test_utf8_trim),
        cmocka_unit_test(test_event_lines_said),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
