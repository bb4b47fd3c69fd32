import { describe, expect, it } from 'vitest';
import { renderMail } from '../../src/mail/mail-layout.js';

describe('renderMail', () => {
  const content = {
    greeting: 'Hello Ada & <Bob>,',
    paragraphs: ['Your app "Badges" <script>alert(1)</script> is approved.', 'Their question:\nWhat data do you keep?'],
    action: { label: 'Open the portal', url: 'https://platform.example/portal?app=1&tab="keys"' },
    footer: 'You get this email because you applied.',
  };

  it('writes the plain-text body with the action address on its own line', () => {
    expect(renderMail(content).text).toBe(
      [
        'Hello Ada & <Bob>,',
        '',
        'Your app "Badges" <script>alert(1)</script> is approved.',
        '',
        'Their question:\nWhat data do you keep?',
        '',
        'Open the portal:\nhttps://platform.example/portal?app=1&tab="keys"',
        '',
        'You get this email because you applied.',
        '',
      ].join('\n'),
    );
  });

  it('writes an HTML body with every value escaped', () => {
    const { html } = renderMail(content);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('Hello Ada &#38; &#60;Bob&#62;,');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Their question:<br>What data do you keep?');
    const href = 'href="https://platform.example/portal?app=1&#38;tab=&#34;keys&#34;"';
    // The button, and the address written out for clients that do not follow it.
    expect(html.split(href)).toHaveLength(3);
    expect(html).toContain('>Open the portal</a>');
    expect(html).toContain('You get this email because you applied.');
  });

  it('leaves out what is not given', () => {
    const { text, html } = renderMail({ paragraphs: ['Only this.'] });
    expect(text).toBe('Only this.\n');
    expect(html).not.toContain('<a ');
    expect(html).not.toContain('<hr');
    expect(html.match(/<p /g)).toHaveLength(1);
  });

  it('refuses an action that is not a web address', () => {
    expect(() => renderMail({ paragraphs: [], action: { label: 'x', url: 'javascript:alert(1)' } })).toThrow(/http/);
    expect(() => renderMail({ paragraphs: [], action: { label: 'x', url: '/relative' } })).toThrow(/not a URL/);
  });
});
