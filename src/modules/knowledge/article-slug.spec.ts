import { articleRef, isSlug, SLUG_INPUT_PATTERN, slugify } from './article-slug';

describe('slugify', () => {
  it('makes lower-case hyphenated words without accents or punctuation', () => {
    expect(slugify('Réinitialiser le mot de passe (Wi-Fi)')).toBe('reinitialiser-le-mot-de-passe-wi-fi');
    expect(slugify('  How do I pay -- by M-Pesa?  ')).toBe('how-do-i-pay-by-m-pesa');
  });

  it('falls back to "article" when nothing is left', () => {
    expect(slugify('路由器')).toBe('article');
    expect(slugify('!!!')).toBe('article');
  });

  it('cuts long titles at a word boundary', () => {
    const slug = slugify('word '.repeat(40));
    expect(slug.length).toBeLessThanOrEqual(80);
    expect(slug).toMatch(/^word(-word)*$/);
  });

  it('never makes a slug that looks like an id', () => {
    const id = '6f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10';
    expect(slugify(id)).toBe(`article-${id}`);
    expect(isSlug(slugify(id))).toBe(true);
  });
});

describe('SLUG_INPUT_PATTERN', () => {
  it('takes hyphenated words but never an id', () => {
    expect(SLUG_INPUT_PATTERN.test('reset-router-2')).toBe(true);
    expect(SLUG_INPUT_PATTERN.test('6f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10')).toBe(false);
    expect(SLUG_INPUT_PATTERN.test('6f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10-faq')).toBe(true);
    expect(SLUG_INPUT_PATTERN.test('Reset')).toBe(false);
    expect(SLUG_INPUT_PATTERN.test('-reset')).toBe(false);
  });
});

describe('articleRef', () => {
  it('tells ids from slugs and refuses anything else', () => {
    expect(articleRef('6F1C1F4E-3A53-4F0A-9D0E-8A2D7C1E5B10')).toEqual({
      id: '6f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10',
    });
    expect(articleRef('reset-router')).toEqual({ slug: 'reset-router' });
    expect(articleRef('Reset Router')).toBeUndefined();
    expect(articleRef('a--b')).toBeUndefined();
  });
});
