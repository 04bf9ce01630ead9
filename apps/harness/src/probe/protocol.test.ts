import { describe, expect, it } from '@jest/globals';
import { joinHostPort, parseEchoReply, splitHostPort } from '../echo/protocol.ts';
import { outcomeOfErrorCode } from './protocol.ts';

describe('probe and echo protocol', () => {
  it('classifies socket errors into REJECT-like, DROP-like and other outcomes', () => {
    expect(outcomeOfErrorCode('ECONNREFUSED')).toBe('refused');
    expect(outcomeOfErrorCode('EHOSTUNREACH')).toBe('unreachable');
    expect(outcomeOfErrorCode('EPERM')).toBe('blocked');
    expect(outcomeOfErrorCode('ECONNRESET')).toBe('reset');
    expect(outcomeOfErrorCode('EWHATEVER')).toBe('error');
    expect(outcomeOfErrorCode(undefined)).toBe('error');
  });

  it('round-trips address:port for both families', () => {
    expect(joinHostPort('fd00::5', 80)).toBe('[fd00::5]:80');
    expect(splitHostPort('[fd00::5]:80')).toEqual({ ip: 'fd00::5', port: 80 });
    expect(splitHostPort(joinHostPort('10.0.0.1', 53))).toEqual({ ip: '10.0.0.1', port: 53 });
    expect(() => splitHostPort('10.0.0.1')).toThrow(/address:port/);
  });

  it('accepts only well-formed echo replies', () => {
    const ok = { name: 'a', proto: 'tcp', server: '10.0.0.1:80', client: '10.0.0.2:4000' };
    expect(parseEchoReply(JSON.stringify(ok))).toEqual(ok);
    expect(() => parseEchoReply('HTTP/1.1 200 OK')).toThrow(/not JSON/);
    expect(() => parseEchoReply(JSON.stringify({ ...ok, client: 5 }))).toThrow(/client/);
    expect(() => parseEchoReply(JSON.stringify({ ...ok, server: 'nowhere' }))).toThrow(/address:port/);
  });
});
