import { KafkaBus } from '../../../../core/bus/kafka/kafka-bus.js';
import { requireEngines } from '../../../helpers/engines.js';
import { busConformance } from '../conformance.js';
import { RecordingLogger, testBusConfig } from './support.js';

describe('KafkaBus against a real broker', function () {
  let brokers: string[];

  before(async function () {
    ({ kafkaBrokers: brokers } = await requireEngines(this));
  });

  busConformance('KafkaBus', async () => {
    const bus = new KafkaBus(testBusConfig(brokers), { logger: new RecordingLogger() });
    return { bus, cleanup: () => bus.close() };
  });
});
