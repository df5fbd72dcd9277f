const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MAX = 100;
/** What a caller may choose: a slug that is not an id. */
export const SLUG_INPUT_PATTERN =
  /^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const isUuid = (value: string): boolean => UUID.test(value);

/** A slug is lower-case words joined by hyphens, and never looks like an id (ids and slugs share a route). */
export const isSlug = (value: string): boolean =>
  value.length <= SLUG_MAX && SLUG_PATTERN.test(value) && !isUuid(value);

/** "Réinitialiser le mot de passe (Wi-Fi)" → "reinitialiser-le-mot-de-passe-wi-fi"; "article" when nothing is left. */
export function slugify(title: string, max = 80): string {
  let slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > max) {
    const cut = slug.slice(0, max);
    const lastHyphen = cut.lastIndexOf('-');
    slug = (lastHyphen > max / 2 ? cut.slice(0, lastHyphen) : cut).replace(/-+$/g, '');
  }
  if (slug.length === 0) return 'article';
  return isUuid(slug) ? `article-${slug}` : slug;
}

/** What `:idOrSlug` names: an id, a slug, or nothing that can exist. */
export function articleRef(value: string): { id: string } | { slug: string } | undefined {
  if (isUuid(value)) return { id: value.toLowerCase() };
  if (isSlug(value)) return { slug: value };
  return undefined;
}
