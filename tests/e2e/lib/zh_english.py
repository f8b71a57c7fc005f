# English left on a zh_TW screen (tests/e2e/i18n_scenarios.sh and
# tui_zh_tw_scenarios.sh): prints each line that holds a Latin word outside
# the allowed tokens, exits 1 if any.
#   zh_english.py "SCENARIO NAMES" FILE...
import re, sys
# what may stay in Latin letters, whole tokens
ALLOWED = set("""
confirm decline recheck choose override force retry skip done proceed status why quit
pause resume speed max inject busy not-ready drop hang fail never-returns accept refuse help
Ready Busy InsufficientActiveFrontEnds Unknown ReadyForUpgrade True False Running Stopped
Starting Paused Active RTCSRV PoolState
drain_timeout restart_timeout drain_now parallel graceful downtime quorum majority none
confirm settle keys action
lync2013 sfb2015 sfb2019 linux-systemd
Microsoft Lync Server Skype for Business SSH TCP SIP TLS DCOM WCF poolpilot Windows Markdown
INI KB fabric Edge Esc Enter Tab Space PgUp PgDn Home End Up Down md json csv XDG_CONFIG_HOME
XDG_STATE_HOME POOLPILOT_CONFIG SUDO_USER USER jsonl ini
debrief stopped N
lync cmdlet SFTP SHA-256 update package hash_command stage_parallel stage_rate
""".split())
REMOTE = [   # what the simulated servers print (sim_output.c, sim_pool.c)
    r"Update installed; a restart is required", r"Processing triggers; a reboot is required",
    r"TCP \d+ open", r"app\.service (inactive \(dead\)|active \(running\))",
    r"RTCSRV (Stopped|Paused|Starting)(, Disabled|, patched: (yes|no), restart pending: (yes|no))?",
    r"Start-CsWindowsService : Service '[^']*' failed to start \(event \d+: stuck in Starting\)\.?",
    r"Start-CsWindowsService : Service '[^'…]*…",   # the same, cut short to fit its row
    r"VERBOSE: (Failover|Failback) of \S+ completed", r"Connection reset by peer",
    r"accepts connections on port \d+",
    # Skype for Business, one server at a time (script_computer_failover)
    r"VERBOSE: moving users and data of \S+ to the other Front Ends",
    r"VERBOSE: draining: \d+ active conferences?, \d+ calls?",
    r"VERBOSE: \d+ sessions dropped after the draining timeout",
    r"VERBOSE: services (stopped and disabled|enabled and starting)",
    r"VERBOSE: \S+ is already failed over",
]
host = r"\b[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\b"
names = r"\b(UpgradeDomain\d+|fe\d+|node\d+)\b"
cmdlet = r"\b[A-Z][a-z]+-Cs[A-Za-z]+\b|\b(Lync|Skype)ServerUpdateInstaller\.exe\b|\bRestart-Computer\b"
param = r"(?<![A-Za-z])-{1,2}[A-Za-z][A-Za-z-]*"       # -Graceful, --yes
hexid = r"\b[0-9a-f]{8}\b"                             # the topology's hash in the start record
units = r"\b\d+h(\d+m)?(\d+s)?\b|\b\d+m(\d+s)?\b|\b\d+(s|min)\b|%[a-z]"   # 1h10m, 5m49s, 45s
section = r"\[(servers|commands|pool|timing|update|ssh)\]"   # INI section names, as typed
prefix = r"^\[\d\d:\d\d:\d\d\] (done|stopped|debrief|why): "
scen = sys.argv[1].split()
bad = 0
for path in sys.argv[2:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        s = re.sub(prefix, "", line.rstrip("\n"))
        for r in REMOTE:
            s = re.sub(r, " ", s)
        for r in (section, host, names, cmdlet, param, hexid, units):
            s = re.sub(r, " ", s)
        s = re.sub(r"[A-Za-z0-9_'-]*…", " ", s)   # a word cut short to fit cannot be judged
        # a single letter is a key (q, w, [x]) or a placeholder (N)
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_'-]*[A-Za-z0-9]", s)
                 if w not in ALLOWED and w not in scen]
        if words:
            print(f"{path.rsplit('/', 1)[-1]}:{n}: English {' '.join(sorted(set(words)))}: {line.strip()[:160]}")
            bad += 1
sys.exit(1 if bad else 0)
