/**
 * The scenario table: every attack scenario the simulator knows, keyed by
 * name. Adding one is one file here and one entry below.
 */
import { apiKeyAbuseNewCountry } from './api-key-abuse-new-country.js';
import { cefIdsExploit } from './cef-ids-exploit.js';
import { credentialStuffing } from './credential-stuffing.js';
import { dnp3UnsolicitedControl } from './dnp3-unsolicited-control.js';
import { firmwareDownloadToPlc } from './firmware-download-to-plc.js';
import { identifierEnumeration } from './identifier-enumeration.js';
import { modbusUnauthorizedWrite } from './modbus-unauthorized-write.js';
import { opcuaBruteForce } from './opcua-brute-force.js';
import { plcStop } from './plc-stop.js';
import { portScanOfIcsPorts } from './port-scan-of-ics-ports.js';
import { resolverQueryFlood } from './resolver-query-flood.js';
import type { Scenario } from './types.js';

function table(scenarios: readonly Scenario[]): ReadonlyMap<string, Scenario> {
  const map = new Map<string, Scenario>();
  for (const s of scenarios) {
    if (map.has(s.name)) throw new Error(`duplicate scenario ${s.name}`);
    map.set(s.name, s);
  }
  return map;
}

export const Scenarios = table([
  modbusUnauthorizedWrite, plcStop, opcuaBruteForce, dnp3UnsolicitedControl, firmwareDownloadToPlc, portScanOfIcsPorts, cefIdsExploit,
  credentialStuffing, apiKeyAbuseNewCountry,
  identifierEnumeration, resolverQueryFlood,
]);

export type { Scenario, ScenarioContext } from './types.js';
