import { expect } from 'chai';
import { SenderRoutes } from '../../../collector/sources/sender-routes.js';

describe('SenderRoutes', () => {
  describe('resolve', () => {
    const routes = new SenderRoutes({
      routes: [
        { from: ['10.1.0.0/16', '2001:db8:1::/48'], org: 'ent-a', parser: 'iptables' },
        { from: ['10.0.0.0/8'], org: 'ent-b', parser: 'cef' },
      ],
      org: 'ent-default',
      parser: 'syslog',
    });

    it('takes the first route whose blocks contain the sender, IPv4 and IPv6 alike', () => {
      expect(routes.resolve('10.1.2.3')).to.deep.equal({ orgId: 'ent-a', parser: 'iptables' });
      expect(routes.resolve('10.2.2.3')).to.deep.equal({ orgId: 'ent-b', parser: 'cef' });
      expect(routes.resolve('2001:DB8:1::7')).to.deep.equal({ orgId: 'ent-a', parser: 'iptables' });
    });

    it('matches IPv4-mapped IPv6 peers (dual-stack sockets) against IPv4 blocks', () => {
      expect(routes.resolve('::ffff:10.1.2.3')).to.deep.equal({ orgId: 'ent-a', parser: 'iptables' });
    });

    it('falls back to the default org, or to nothing without one', () => {
      expect(routes.resolve('192.0.2.1')).to.deep.equal({ orgId: 'ent-default', parser: 'syslog' });
      expect(new SenderRoutes({ routes: [] }).resolve('192.0.2.1')).to.equal(undefined);
    });
  });
});
