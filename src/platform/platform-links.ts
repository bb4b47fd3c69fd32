/**
 * Links into the platform host's pages, for emails: the developer portal and the operator console
 * live at fixed paths on the public URL's origin (src/pages/portal, src/pages/console).
 */

export function portalLink(publicUrl: URL, appId?: number): string {
  return appId === undefined ? `${publicUrl.origin}/portal` : `${publicUrl.origin}/portal/apps/${appId}`;
}

export function consoleAppLink(publicUrl: URL, appId: number): string {
  return `${publicUrl.origin}/console/apps/${appId}`;
}
