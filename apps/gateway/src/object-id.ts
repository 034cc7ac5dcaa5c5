/**
 * `idFromName` hashes the name each time it is called. An id is a plain value (a stub is
 * what belongs to a request), so an isolate derives each once.
 */
const ids = new WeakMap<object, Map<string, DurableObjectId>>();

export function objectId(namespace: DurableObjectNamespace<never>, name: string): DurableObjectId {
  let byName = ids.get(namespace);
  if (!byName) {
    byName = new Map();
    ids.set(namespace, byName);
  }
  let id = byName.get(name);
  if (!id) {
    id = namespace.idFromName(name);
    byName.set(name, id);
  }
  return id;
}
