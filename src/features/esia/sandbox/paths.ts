/** Where the sandbox ЕСИА answers, in this app. */
export const SANDBOX_PREFIX = '/sandbox-esia';
