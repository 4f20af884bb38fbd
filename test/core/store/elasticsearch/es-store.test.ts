import type { Engines } from '../../../helpers/engines.js';
import { requireEngines } from '../../../helpers/engines.js';
import { storeConformance } from '../conformance.js';
import { openTestStore } from './es-helpers.js';

let engines: Engines | undefined;

describe('ElasticsearchStore against a real Elasticsearch', function () {
  before(async function () {
    engines = await requireEngines(this);
  });

  storeConformance('ElasticsearchStore', async () => {
    if (engines === undefined) throw new Error('engines not started');
    return openTestStore(engines.elasticsearchUrl);
  });
});
