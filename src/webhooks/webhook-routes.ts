/**
 * `GET {instance}/api/webhooks/key`: the public key (PEM) that checks the JWT in the `authorization`
 * header of this instance's webhook requests. Public, like a JWKS: receivers fetch it unauthenticated.
 */
import type { ApiRouteModule } from '../api/api-routes.js';
import { loadKeyEncryptionKey } from '../oauth/signing-keys.js';
import { instanceWebhookKey } from './webhook-key.js';

export const webhookKeyRoutes: ApiRouteModule = (api) => (app) => {
  const encryptionKey = loadKeyEncryptionKey(api.config.dataDir);
  app.get(
    '/api/webhooks/key',
    {
      // Not an OAuth-protected API operation (it is public, like a JWKS), so it stays out of the
      // API reference, whose operations all carry a security requirement; the webhook docs name it.
      schema: { hide: true },
    },
    async (request, reply) => {
      if (request.tenant.kind !== 'instance') throw new Error('/api/webhooks/key is served outside an instance');
      const key = await instanceWebhookKey(api.db, request.tenant.instance.orgId, encryptionKey, api.clock);
      return reply.type('application/x-pem-file').header('cache-control', 'public, max-age=300').send(key.publicKeyPem);
    },
  );
  return Promise.resolve();
};
