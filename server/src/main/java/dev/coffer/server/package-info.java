/** The backup server: HTTPS API, authentication, access control and background jobs. It holds no key. */
package dev.coffer.server;
