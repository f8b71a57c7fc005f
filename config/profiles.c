/* Built-in INI texts: the defaults every pool starts from, the [sim]
 * defaults of training scenarios, and one text per profile with its shell,
 * quorum rule and [commands] templates.  They are parsed with the same
 * reader as the user's file (tig's built-in tigrc idea): defaults and their
 * documentation are one artifact, and a test loads each of them.
 *
 * Templates are script bodies only: backend/remote.c wraps PowerShell ones
 * (UTF-8 output, progress off, $ErrorActionPreference='Stop', try/catch,
 * result marker, -EncodedCommand) and POSIX ones (sh -c, marker line).
 * Placeholders {server} {pool} {domain} {backup_pool} {backend} are substituted with
 * validated DNS / domain names only; PowerShell templates quote them as
 * single-quoted strings ('{server}').
 *
 * INI rules that shape these texts: continuation lines lose their
 * indentation, lines starting with '#' or ';' are INI comments (dropped),
 * and " ;" starts an inline comment, so PowerShell statements go on their
 * own lines and ';' is never preceded by a space. */
#include "config/config_internal.h"

#include <stddef.h>

const char *const cfg_profile_names[CFG_PROFILE_COUNT] = {"lync2013", "sfb2015", "sfb2019",
                                                          "linux-systemd", "custom"};

static const char defaults_text[] =
    "; poolpilot built-in defaults (every pool file starts from these)\n"
    "[pool]\n"
    "mode = graceful\n"
    "confirm = domain\n"
    "parallel = 0\n"
    "procedure = domain\n"
    "\n"
    "[ssh]\n"
    "auth = auto\n"
    "connect_timeout = 15s\n"
    "keepalive = 15s\n"
    "persistent_shell = no\n"
    "\n"
    "[timing]\n"
    "busy_retry = 10m\n"
    "busy_strikes = 3\n"
    "settle = 20m\n"
    "drain_timeout = 60m\n"
    "upgrade_timeout = 3h\n"
    "restart_timeout = 30m\n"
    "verify_timeout = 60m\n"
    "readiness_timeout = 10m\n"
    "failover_timeout = 60m\n"
    "probe_timeout = 2m\n"
    "\n"
    "[update]\n"
    "stage_parallel = 4\n"
    "stage_rate = 0\n"
    "remote_path = /var/tmp/poolpilot/{file}\n"
    "hash_command = sha256sum -- {path}\n";

static const char sim_defaults_text[] =
    "; virtual durations of each simulated action (training scenarios)\n"
    "[sim]\n"
    "readiness = 5s\n"
    "drain = 40s\n"
    "upgrade = 3m\n"
    "restart = 2m\n"
    "verify = 15s\n"
    "failover = 5m\n"
    "busy_first = 0\n"
    "insufficient = false\n"
    "seed = 1\n";

/* ---- Lync Server 2013 / Skype for Business Server 2015 and 2019 ---- */

/* The readiness answer as JSON (what backend/readiness.c reads best).
 * Calculated properties turn enums and Fqdn objects into strings, accept
 * both ReadyForUpgrade spellings seen in documentation (FACTS.md), and the
 * unary comma keeps one-element lists as JSON arrays.  Remove-TypeData
 * avoids Windows PowerShell's {"value":[...],"Count":n} array quirk. */
#define PS_READINESS_BODY(MODULE, CALL)                                                       \
    "readiness =\n"                                                                        \
    "    Import-Module " MODULE "\n"                                                          \
    "    Remove-TypeData System.Array -ErrorAction SilentlyContinue\n"                        \
    "    $state = @{ Name = 'PoolUpgradeState'; Expression = { [string]$_.PoolUpgradeState } }\n" \
    "    $domain = @{ Name = 'UpgradeDomain'; Expression = { [string]$_.UpgradeDomain } }\n"     \
    "    $frontEnds = @{ Name = 'FrontEnds'; Expression = { ,@(@($_.FrontEnds) | "               \
    "ForEach-Object { [string]$_ }) } }\n"                                                    \
    "    $ready = @{ Name = 'ReadyForUpgrade'; Expression = { $r = $_.ReadyForUpgrade; "         \
    "if ($null -eq $r) { $r = $_.IsReadyForUpgrade }; if ($null -eq $r) { 'Unknown' } else { [string]$r } } }\n" \
    "    $domains = @{ Name = 'UpgradeDomains'; Expression = { ,@(@($_.UpgradeDomains) | "       \
    "Select-Object $domain, $frontEnds, $ready) } }\n"                                         \
    CALL                                                                                      \
    "    Select-Object $state, TotalFrontEnds, TotalActiveFrontEnds, $domains |\n"              \
    "    ConvertTo-Json -Depth 4\n"
#define PS_READINESS(MODULE, CMDLET) PS_READINESS_BODY(MODULE, "    " CMDLET " |\n")

/* SfB 2019's Get-CsUpgradeDomainInfo documents only -Force and
 * -QueryTimeout (office-docs-powershell, Get-CsUpgradeDomainInfo.md), not
 * the -SkipIdleSecondaryVerification of Get-CsPoolUpgradeReadinessState
 * (which, on 2015, "returns even if replicas are still being built").
 * Passing an unknown parameter fails the call, so the switch is passed
 * only when the cmdlet on the server has it (Get-Command's Parameters),
 * and -QueryTimeout (minutes) bounds the fabric query when it is the
 * Int32 its syntax line shows (its parameter block says SwitchParameter). */
#define PS_READINESS_2019(MODULE)                                                              \
    PS_READINESS_BODY(MODULE,                                                                 \
    "    $info = Get-Command Get-CsUpgradeDomainInfo\n"                                        \
    "    $a = @{}\n"                                                                          \
    "    if ($info.Parameters.ContainsKey('SkipIdleSecondaryVerification')) { $a.SkipIdleSecondaryVerification = $true }\n" \
    "    if ($info.Parameters.ContainsKey('QueryTimeout') -and $info.Parameters['QueryTimeout'].ParameterType -eq [int]) { $a.QueryTimeout = 5 }\n" \
    "    Get-CsUpgradeDomainInfo @a |\n")

/* Graceful drain: -NoWait returns at once ("immediately return control",
 * Stop-CsWindowsService.md), then every service of the server is polled
 * until all are Stopped: -Graceful drains each service, and the
 * conferencing and Mediation services hold calls the installer would cut,
 * so RTCSRV alone stopping is not the end.  The 8-hour bound only keeps a
 * forgotten loop from living forever on the server (closing an SSH
 * channel does not kill the remote command); drain_timeout decides. */
#define PS_DRAIN(MODULE)                                                                       \
    "drain =\n"                                                                                \
    "    Import-Module " MODULE "\n"                                                          \
    "    Stop-CsWindowsService -Graceful -NoWait -Confirm:$false -Verbose\n"                   \
    "    $until = (Get-Date).AddHours(8)\n"                                                    \
    "    while ($true) {\n"                                                                    \
    "    $all = @(Get-CsWindowsService)\n"                                                     \
    "    $left = @($all | Where-Object { [string]$_.Status -ne 'Stopped' })\n"                 \
    "    if ($all.Count -gt 0 -and $left.Count -eq 0) { break }\n"                             \
    "    Write-Output ((Get-Date).ToString('HH:mm:ss') + ' still running: ' + (($left | ForEach-Object { [string]$_.Name + ' ' + [string]$_.Status }) -join ', '))\n" \
    "    if ((Get-Date) -gt $until) { throw 'services did not stop within 8 hours' }\n"        \
    "    Start-Sleep -Seconds 15\n"                                                            \
    "    }\n"                                                                                  \
    "    Write-Output ('all ' + $all.Count + ' services Stopped')\n"                          \
    "drain_now =\n"                                                                            \
    "    Import-Module " MODULE "\n"                                                          \
    "    Stop-CsWindowsService -Confirm:$false -Verbose\n"                                     \
    "    Write-Output ('RTCSRV ' + [string](Get-CsWindowsService -Name RTCSRV).Status)\n"

/* An installer still running (a previous attempt that timed out here, or
 * someone's manual run) must not get a second one started beside it, nor
 * a restart under it: the update installer's own process, and Windows
 * Installer's "Global\_MSIExecute" mutex, which exists while any MSI
 * installation is in progress ("_MSIExecute Mutex", Windows Installer
 * documentation).  msiexec.exe itself is not a sign: the Windows Installer
 * service keeps one running while idle. */
#define PS_INSTALLER_BUSY(NAME)                                                                \
    "    $m = $null\n"                                                                         \
    "    if (@(Get-Process -Name '" NAME "' -ErrorAction SilentlyContinue).Count -gt 0 -or [Threading.Mutex]::TryOpenExisting('Global\\_MSIExecute', [ref]$m)) { throw 'an update installer (" NAME ") or another Windows Installer installation is still running on this server: wait until it ends' }\n"

/* The update installer is a GUI-subsystem program: '&' would not wait for
 * it, Start-Process -Wait does.  Its exit code follows Windows Installer
 * ("MsiExec.exe and InstMsi.exe error messages"): 0 success, 3010 success
 * with a restart required, 1641 success with a restart started; the
 * restart step follows anyway.  Anything else fails with the code and its
 * meaning.  The outcome is reported explicitly (throw or finish), never
 * through $LASTEXITCODE, which remote.c's wrapper reads for native
 * programs.
 *
 * The restart records LastBootUpTime first (Win32_OperatingSystem) so
 * that verify can tell a reboot from a network blip that also drops the
 * SSH session. */
#define PS_UPGRADE(INSTALLER, NAME)                                                            \
    "upgrade =\n"                                                                              \
    "    $installer = 'C:\\Updates\\" INSTALLER "'   # site-specific path: override [commands] upgrade\n" \
    "    if (-not (Test-Path -LiteralPath $installer)) { throw ('update installer not found: ' + $installer) }\n" \
    PS_INSTALLER_BUSY(NAME)                                                                    \
    "    $p = Start-Process -FilePath $installer -ArgumentList '/silentmode' -Wait -PassThru\n" \
    "    $code = [int]$p.ExitCode\n"                                                           \
    "    $meaning = @{ 0 = 'success'; 3010 = 'success, restart required'; 1641 = 'success, restart started'; 1602 = 'cancelled'; 1603 = 'fatal error during installation'; 1618 = 'another installation is in progress'; 1638 = 'another version is already installed'; 1639 = 'invalid command line' }\n" \
    "    $what = $meaning[$code]\n"                                                            \
    "    if (-not $what) { $what = 'see the installer log' }\n"                                \
    "    if (@(0, 3010, 1641) -notcontains $code) { throw ('update installer failed with exit code ' + $code + ' (' + $what + ')') }\n" \
    "    Write-Output ('update installer exit code ' + $code + ' (' + $what + ')')\n"          \
    "restart =\n"                                                                              \
    PS_INSTALLER_BUSY(NAME)                                                                    \
    "    $boot = (Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')\n" \
    "    $dir = Join-Path $env:ProgramData 'poolpilot'\n"                                       \
    "    New-Item -ItemType Directory -Force -Path $dir | Out-Null\n"                          \
    "    Set-Content -LiteralPath (Join-Path $dir 'boot-before-restart.txt') -Value $boot\n"   \
    "    Write-Output ('last boot ' + $boot + ', restarting')\n"                                \
    "    Restart-Computer -Force\n"

/* After a restart: was it one (LastBootUpTime moved on since the restart
 * step wrote it down)?  Then start the services without waiting
 * (Start-CsWindowsService blocks while RTCSRV starts, up to an hour on a
 * busy pool; -NoWait "immediately returns control") and poll until every
 * service is Running (none Starting / Paused), then the server accepts
 * SIP/TLS on 5061.  TcpClient works on 2008 R2 where Test-NetConnection
 * does not exist. */
#define PS_VERIFY_WITH(MODULE, START)                                                          \
    "verify =\n"                                                                               \
    "    Import-Module " MODULE "\n"                                                          \
    "    $mark = Join-Path (Join-Path $env:ProgramData 'poolpilot') 'boot-before-restart.txt'\n" \
    "    $boot = (Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')\n" \
    "    if (Test-Path -LiteralPath $mark) {\n"                                                \
    "    $before = @(Get-Content -LiteralPath $mark)[0]\n"                                     \
    "    if ($before -eq $boot) { throw ('the server did not restart: LastBootUpTime is still ' + $boot) }\n" \
    "    Remove-Item -LiteralPath $mark\n"                                                     \
    "    Write-Output ('restarted: last boot ' + $before + ' -> ' + $boot)\n"                  \
    "    }\n"                                                                                  \
    START                                                                                      \
    "    $until = (Get-Date).AddHours(2)\n"                                                    \
    "    while ($true) {\n"                                                                    \
    "    $all = @(Get-CsWindowsService)\n"                                                     \
    "    $waiting = @($all | Where-Object { [string]$_.Status -ne 'Running' })\n"              \
    "    if ($all.Count -gt 0 -and $waiting.Count -eq 0) { break }\n"                          \
    "    Write-Output ((Get-Date).ToString('HH:mm:ss') + ' waiting for ' + (($waiting | ForEach-Object { [string]$_.Name + ' ' + [string]$_.Status }) -join ', '))\n" \
    "    if ((Get-Date) -gt $until) { throw 'services did not reach Running within 2 hours' }\n" \
    "    Start-Sleep -Seconds 15\n"                                                            \
    "    }\n"                                                                                  \
    "    Write-Output ('all ' + $all.Count + ' services Running')\n"                          \
    "    $tcp = New-Object System.Net.Sockets.TcpClient\n"                                     \
    "    try { $tcp.Connect('{server}', 5061) } catch { throw ('{server} refuses connections on port 5061: ' + $_.Exception.Message) } finally { $tcp.Close() }\n" \
    "    Write-Output '{server} accepts connections on port 5061'\n"                          \
    "probe =\n"                                                                                \
    "    Import-Module " MODULE "\n"                                                          \
    "    Get-CsWindowsService | Format-Table -AutoSize Name, Status, ActivityLevel | Out-String -Width 250\n"

#define PS_VERIFY(MODULE) PS_VERIFY_WITH(MODULE, "    Start-CsWindowsService -NoWait\n")

/* Skype for Business Server 2015/2019, one server at a time (issue 11
 * item 7): Microsoft's "Manage Front End Servers in Skype for Business
 * Server" (learn.microsoft.com/en-us/skypeforbusiness/manage/topology/
 * manage-front-end-servers), section "Patch or update Front End Servers"
 * (older copies of it sat in "Front End Pool high availability and
 * management"): check the fabric (the
 * engine's fabric check before each domain), then per server
 * Invoke-CsComputerFailOver, the update, Invoke-CsComputerFailBack.
 *
 * Invoke-CsComputerFailOver "migrates the users and data, and drains the
 * existing conferences and sessions before the Skype for Business services
 * are stopped and disabled to prevent accidental restart when computer is
 * rebooted"; -WaitTime (default one hour): "If the wait time is exceeded,
 * the cmdlet fails and no action is taken on the specified server"
 * (Invoke-CsComputerFailOver.md), so a graceful drain that runs out leaves
 * the server in service, and drain_timeout (60m) matches.  drain_now (a
 * scheduled downtime, or an override's force): -DrainingTimeout "force[s]
 * to drain all conferences and sessions after" the time span (Example 2);
 * one minute, because what zero does is not documented.  Run on the
 * server itself, as the procedure says ("On the first server you want to
 * patch"); -ComputerName is the FQDN the failback must repeat. */
#define PS_SFB_DRAIN(MODULE)                                                                   \
    "drain =\n"                                                                                \
    "    Import-Module " MODULE "\n"                                                          \
    "    Invoke-CsComputerFailOver -ComputerName '{server}' -Confirm:$false -Verbose\n"         \
    "    Write-Output ((@(Get-CsWindowsService) | ForEach-Object { [string]$_.Name + ' ' + [string]$_.Status }) -join ', ')\n" \
    "drain_now =\n"                                                                            \
    "    Import-Module " MODULE "\n"                                                          \
    "    Invoke-CsComputerFailOver -ComputerName '{server}' -DrainingTimeout (New-TimeSpan -Minutes 1) -Confirm:$false -Verbose\n" \
    "    Write-Output ((@(Get-CsWindowsService) | ForEach-Object { [string]$_.Name + ' ' + [string]$_.Status }) -join ', ')\n"

/* After the restart the services are disabled (the failover did that):
 * Invoke-CsComputerFailBack "marks the computer as available to the pool
 * and enables the services" and, without -NoStart, starts them; it waits
 * up to -WaitTime (one hour) "for a confirmation of failback success" and
 * otherwise fails without starting or enabling them
 * (Invoke-CsComputerFailBack.md).  Then the same proof as Lync's verify:
 * every service Running, port 5061 accepts. */
#define PS_SFB_VERIFY(MODULE)                                                                  \
    PS_VERIFY_WITH(MODULE,                                                                     \
    "    Invoke-CsComputerFailBack -ComputerName '{server}' -Confirm:$false -Verbose\n")

/* Routing-group health (FACTS.md: every routing group keeps a primary and
 * at least one secondary).  The output format of Get-CsPoolFabricState is
 * not documented: this reads "Routing Group: <id>" blocks with "Primary"
 * and "Secondar..." lines that name a server, and fails closed when it
 * recognises no routing group at all.  Unverified against a real pool. */
#define PS_FABRIC(MODULE)                                                                      \
    "fabric =\n"                                                                               \
    "    Import-Module " MODULE "\n"                                                          \
    "    $text = Get-CsPoolFabricState -PoolFqdn '{pool}' -Type Routing -Confirm:$false -Verbose 4>&1 | Out-String -Width 400\n" \
    "    Write-Output $text\n"                                                                 \
    "    $groups = 0\n"                                                                        \
    "    $bad = @()\n"                                                                         \
    "    $group = ''\n"                                                                        \
    "    $primary = $false\n"                                                                  \
    "    $secondary = $false\n"                                                                \
    "    foreach ($line in ($text -split '\\r?\\n')) {\n"                                      \
    "    if ($line -match 'Routing\\s*Group\\w*\\s*[:=]\\s*(\\S+)') {\n"                       \
    "    if ($group -and -not ($primary -and $secondary)) { $bad += $group }\n"                \
    "    $group = $Matches[1]\n"                                                               \
    "    $primary = $false\n"                                                                  \
    "    $secondary = $false\n"                                                                \
    "    $groups++\n"                                                                          \
    "    } elseif ($group -and $line -match '^\\s*Primary\\w*\\s*[:=].*[A-Za-z0-9-]+\\.[A-Za-z0-9.-]+') {\n" \
    "    $primary = $true\n"                                                                   \
    "    } elseif ($group -and $line -match '^\\s*Secondar\\w*\\s*[:=].*[A-Za-z0-9-]+\\.[A-Za-z0-9.-]+') {\n" \
    "    $secondary = $true\n"                                                                 \
    "    }\n"                                                                                  \
    "    }\n"                                                                                  \
    "    if ($group -and -not ($primary -and $secondary)) { $bad += $group }\n"                \
    "    if ($groups -eq 0) { throw 'no routing group recognised in the Get-CsPoolFabricState output: fabric state unknown' }\n" \
    "    if ($bad.Count -gt 0) { throw ([string]$bad.Count + ' of ' + $groups + ' routing groups lack a primary or a secondary: ' + ($bad -join ', ')) }\n" \
    "    Write-Output ([string]$groups + ' routing groups, each with a primary and a secondary')\n"

/* Planned failover (no -DisasterMode: the pool is still up), run on a
 * Front End of the backup pool, and the failback after the upgrade.
 *
 * pool_state: read-only, run (on the same host) after a failover or
 * failback whose outcome is unknown or that failed, before anything may
 * run it again.  Get-CsPoolBackupRelationship -PoolFqdn returns the backup
 * pool of a Registrar pool (read-only; Get-CsPoolBackupRelationship.md).
 * Set-CsRegistrarConfiguration documents the registrar pool's -PoolState:
 * Active, FailedOver, FailingOver, FailedBack (Set-CsRegistrarConfiguration.md);
 * Get-CsRegistrarConfiguration -Identity service:Registrar:<pool> returns the
 * service-scoped settings (Get-CsRegistrarConfiguration.md).  That the
 * returned object carries the value as a PoolState property is believed,
 * not documented (docs/POWERSHELL.md): no value, no service-scoped
 * settings, or an error is printed as Unknown, and the engine reads only
 * FailedOver / Active / FailedBack from the last line; the operator
 * decides in every case. */
#define PS_FAILOVER(MODULE)                                                                    \
    "failover =\n"                                                                             \
    "    Import-Module " MODULE "\n"                                                          \
    "    Invoke-CsPoolFailOver -PoolFqdn '{pool}' -Confirm:$false -Verbose\n"                  \
    "failback =\n"                                                                             \
    "    Import-Module " MODULE "\n"                                                          \
    "    Invoke-CsPoolFailBack -PoolFqdn '{pool}' -Confirm:$false -Verbose\n"                  \
    "pool_state =\n"                                                                           \
    "    Import-Module " MODULE "\n"                                                          \
    "    $rel = @(Get-CsPoolBackupRelationship -PoolFqdn '{pool}')\n"                         \
    "    Write-Output ($rel | Format-List * | Out-String -Width 250)\n"                       \
    "    $reg = @(Get-CsRegistrarConfiguration -Identity 'service:Registrar:{pool}')\n"       \
    "    Write-Output ($reg | Format-List Identity, PoolState | Out-String -Width 250)\n"     \
    "    $state = 'Unknown'\n"                                                                \
    "    if ($reg.Count -eq 1 -and [string]$reg[0].PoolState) { $state = [string]$reg[0].PoolState }\n" \
    "    Write-Output ('PoolState=' + $state)\n"

/* The Back End's databases, once, after every Front End (issue 11 item
 * 13): Microsoft's "Install an update on a Back End Server or Standard
 * Edition server" applies an update's database changes with
 * Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn (the
 * ByConfigured parameter set, Install-CsDatabase.md).  Run on a Front End
 * of the pool that is up; that a Front End may run it (the Management Shell
 * with SQL rights on the Back End) is believed, from the cumulative
 * updates' KB install notes (docs/POWERSHELL.md).  -Confirm:$false: nobody
 * answers a prompt over SSH.  Only run when [pool] backend is set. */
#define PS_BACKEND(MODULE)                                                                     \
    "backend =\n"                                                                              \
    "    Import-Module " MODULE "\n"                                                          \
    "    Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn '{backend}' -Confirm:$false -Verbose\n" \
    "    Write-Output 'Back End databases updated on {backend}'\n"

/* The pool's Front Ends in topology order, read once before the first
 * domain (issue 11 item 14; engine_topology.c compares it with [servers]:
 * the quorum's "first 7 / first 9").  Microsoft's "Front End Pool high
 * availability and management" (Skype for Business Server planning) says
 * Get-CsComputer lists a pool's servers "in the order that they appear in
 * the topology", the first servers at the top.  That page names the option
 * -PoolFqdn; the cmdlet's reference (Get-CsComputer.md) documents -Pool,
 * the pool's FQDN, and no -PoolFqdn: -Pool it is.  The reference says each
 * computer comes with its Identity, pool and FQDN; that the property is
 * named Fqdn (Identity as the fall-back) is believed (docs/POWERSHELL.md).
 * Get-CsPool's Computers property (Get-CsPool.md: "an array of objects
 * representing each computer in the pool") is not used: no page says in
 * which order it lists them.  A name it cannot find prints as '?', which
 * the parser (topology.c) takes as Unknown, never as a server. */
#define PS_TOPOLOGY(MODULE)                                                                    \
    "topology =\n"                                                                             \
    "    Import-Module " MODULE "\n"                                                          \
    "    $pp_fe = @(Get-CsComputer -Pool '{pool}' -ErrorAction Stop)\n"                       \
    "    Write-Output ('pp-topology-begin ' + $pp_fe.Count)\n"                                \
    "    foreach ($pp_c in $pp_fe) {\n"                                                       \
    "    $pp_n = [string]$pp_c.Fqdn\n"                                                        \
    "    if (-not $pp_n) { $pp_n = [string]$pp_c.Identity }\n"                                \
    "    if (-not $pp_n -or $pp_n -eq $pp_c.GetType().FullName) { $pp_n = '?' }\n"             \
    "    Write-Output ('pp-topology ' + $pp_n)\n"                                             \
    "    }\n"                                                                                  \
    "    Write-Output ('pp-topology-end ' + $pp_fe.Count)\n"

/* Staging: the package goes where PS_UPGRADE looks for the installer
 * (C:\\Updates\\ + the package's own name), and the server hashes it with
 * Get-FileHash (PowerShell 4.0 and later: Windows Server 2012 R2, or WMF 4
 * on 2008 R2 / 2012).  {path} is substituted as a single-quoted string. */
#define PS_UPDATE                                                                              \
    "\n"                                                                                       \
    "[update]\n"                                                                               \
    "remote_path = C:\\Updates\\{file}\n"                                                     \
    "hash_command = (Get-FileHash -Algorithm SHA256 -LiteralPath {path}).Hash\n"

#define PS_PROFILE(PROCEDURE, MODULE, READINESS, DRAIN, VERIFY, INSTALLER, NAME)                \
    "[pool]\n"                                                                                 \
    "shell = powershell\n"                                                                     \
    "quorum = lync\n"                                                                          \
    "procedure = " PROCEDURE "\n"                                                              \
    "\n"                                                                                       \
    "[commands]\n" READINESS DRAIN PS_UPGRADE(INSTALLER, NAME)                                 \
        VERIFY PS_FABRIC(MODULE) PS_FAILOVER(MODULE) PS_BACKEND(MODULE) PS_TOPOLOGY(MODULE)  \
        PS_UPDATE

static const char lync2013_text[] =
    PS_PROFILE("domain", "Lync", PS_READINESS("Lync", "Get-CsPoolUpgradeReadinessState"),
               PS_DRAIN("Lync"), PS_VERIFY("Lync"), "LyncServerUpdateInstaller.exe", "LyncServerUpdateInstaller");

/* SfB 2015: without -SkipIdleSecondaryVerification the check waits for
 * replicas to be rebuilt and can block for minutes (FACTS.md). */
static const char sfb2015_text[] =
    PS_PROFILE("server", "SkypeForBusiness",
               PS_READINESS("SkypeForBusiness",
                            "Get-CsPoolUpgradeReadinessState -SkipIdleSecondaryVerification"),
               PS_SFB_DRAIN("SkypeForBusiness"), PS_SFB_VERIFY("SkypeForBusiness"),
               "SkypeServerUpdateInstaller.exe", "SkypeServerUpdateInstaller");

/* SfB 2019 replaced the readiness cmdlet; same result type. */
static const char sfb2019_text[] =
    PS_PROFILE("server", "SkypeForBusiness", PS_READINESS_2019("SkypeForBusiness"),
               PS_SFB_DRAIN("SkypeForBusiness"), PS_SFB_VERIFY("SkypeForBusiness"),
               "SkypeServerUpdateInstaller.exe", "SkypeServerUpdateInstaller");

/* ---- Generic Linux pools ----
 * Readiness is site-specific: the default reads a JSON file in the shape
 * of the Lync answer (PoolUpgradeState, UpgradeDomains...) that a site's
 * own checker keeps up to date.  "app.service" stands for the pool's
 * service: every site overrides [commands] (see examples/linux-systemd.ini).
 * verify: is-system-running --wait exits 0 only once the system is
 * "running" (not "degraded"). */
static const char linux_systemd_text[] =
    "[pool]\n"
    "shell = posix\n"
    "quorum = majority\n"
    "\n"
    "[commands]\n"
    "readiness = cat /etc/poolpilot/readiness.json\n"
    "drain = systemctl stop app.service\n"
    "drain_now = systemctl stop app.service\n"
    "upgrade =\n"
    "    set -e\n"
    "    export DEBIAN_FRONTEND=noninteractive\n"
    "    apt-get update\n"
    "    apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold upgrade\n"
    "restart = systemctl reboot\n"
    "verify = systemctl is-system-running --wait\n"
    "probe =\n"
    "    systemctl is-system-running\n"
    "    systemctl --failed --no-legend\n"
    "fabric =\n"
    "failover =\n"
    "failback =\n";

/* custom: nothing is assumed; validate.c requires readiness, drain (or
 * drain_now in downtime mode), upgrade, restart and verify. */
static const char custom_text[] =
    "[pool]\n"
    "shell = posix\n"
    "quorum = majority\n";

const char *cfg_defaults_text(void) { return defaults_text; }

const char *cfg_sim_defaults_text(void) { return sim_defaults_text; }

const char *cfg_profile_text(int profile)
{
    static const char *const texts[CFG_PROFILE_COUNT] = {lync2013_text, sfb2015_text,
                                                         sfb2019_text, linux_systemd_text,
                                                         custom_text};
    return profile >= 0 && profile < CFG_PROFILE_COUNT ? texts[profile] : NULL;
}
