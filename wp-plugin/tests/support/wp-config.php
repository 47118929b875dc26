<?php
/**
 * wp-config for the throwaway test site: real WordPress core (a Debian build, see wordpress-core.sh), a
 * temporary content folder holding the plugin, and the temporary MariaDB that run.sh started. Loaded by the
 * PHPUnit bootstrap and the CLI helpers, and by `php -S` through the core's wp-config.php (SAPA_WP_CONFIG).
 *
 * @package Sapa
 */

foreach ( array( 'SAPA_WP_CORE', 'SAPA_WP_CONTENT', 'SAPA_DB_SOCKET', 'SAPA_DB_NAME' ) as $sapa_env ) {
	if ( false === getenv( $sapa_env ) ) {
		fwrite( STDERR, "$sapa_env is not set: run wp-plugin/tests/run.sh\n" );
		exit( 1 );
	}
}

define( 'DB_NAME', getenv( 'SAPA_DB_NAME' ) );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:' . getenv( 'SAPA_DB_SOCKET' ) );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$GLOBALS['table_prefix'] = 'wptests_';

foreach ( array( 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT' ) as $sapa_salt ) {
	define( $sapa_salt, 'sapa-test-' . $sapa_salt );
}

// The integration test (run.sh, inside the local stack) puts the site where its fake WooCommerce REST
// API listens, so that Sapa reaches "this shop" at the site URL the plugin sends it.
$sapa_home = getenv( 'SAPA_WP_HOME' ) ? rtrim( getenv( 'SAPA_WP_HOME' ), '/' ) : 'http://example.org';
define( 'WP_HOME', $sapa_home );
define( 'WP_SITEURL', $sapa_home );
define( 'WP_CONTENT_DIR', getenv( 'SAPA_WP_CONTENT' ) );
define( 'WP_CONTENT_URL', $sapa_home . '/wp-content' );
define( 'WP_DEFAULT_THEME', 'twentytwentythree' );
define( 'WP_DEBUG', true );
// Notices and warnings stay on (PHPUnit turns them into failures); deprecations are off because
// WordPress 6.1's own bundled libraries raise them on PHP 8.2. WordPress's debug mode would switch
// them back on, so its checks are skipped (filters may be queued in $wp_filter before WordPress loads).
// support/php-errors.php (the activation check) asks for everything, deprecations included.
error_reporting( defined( 'SAPA_ALL_ERRORS' ) ? E_ALL : E_ALL & ~E_DEPRECATED );
ini_set( 'display_errors', '1' );
$GLOBALS['wp_filter']['enable_wp_debug_mode_checks'][10][] = array(
	'function'      => static function () {
		return false;
	},
	'accepted_args' => 1,
);
// No wordpress.org from here: the update checks find what they would after a check that found nothing
// new (otherwise each admin page warns that WordPress.org could not be reached).
foreach ( array( 'update_core', 'update_plugins', 'update_themes' ) as $sapa_transient ) {
	$GLOBALS['wp_filter'][ 'pre_site_transient_' . $sapa_transient ][10][] = array(
		'function'      => static function () {
			return (object) array(
				'last_checked'    => time(),
				'version_checked' => $GLOBALS['wp_version'],
				'updates'         => array(),
				'translations'    => array(),
				'response'        => array(),
				'no_update'       => array(),
				'checked'         => array(),
			);
		},
		'accepted_args' => 1,
	);
}
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
// Nothing leaves the machine: the unit tests answer Sapa's calls at the pre_http_request filter; the
// integration test reaches only this site's host and localhost (the local stack and the fake shop).
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
defined( 'ABSPATH' ) || define( 'ABSPATH', rtrim( getenv( 'SAPA_WP_CORE' ), '/' ) . '/' );

// make e2e-woocommerce with E2E_HTTPS=emulate: the shop takes Sapa's requests (its client's User-Agent) as
// https, as if they came through a TLS-terminating proxy; WooCommerce accepts Basic auth only over https
// (see the README). The shop's own URL stays http.
if ( 'cli' !== PHP_SAPI && 'emulate' === getenv( 'E2E_HTTPS' ) && isset( $_SERVER['HTTP_USER_AGENT'] ) && 0 === strpos( $_SERVER['HTTP_USER_AGENT'], 'Sapa (' ) ) {
	$_SERVER['HTTPS'] = 'on';
}
// A request for the command line; served by `php -S` (the HTTP tests), the request is real.
if ( 'cli' === PHP_SAPI ) {
	$_SERVER['HTTP_HOST']       = 'example.org';
	$_SERVER['SERVER_NAME']     = 'example.org';
	$_SERVER['SERVER_PORT']     = '80';
	$_SERVER['REQUEST_URI']     = '/';
	$_SERVER['REQUEST_METHOD']  = 'GET';
	$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
	$_SERVER['PHP_SELF']        = '/index.php';
	$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
}

/**
 * No mail from the test site (wp_install sends one); pluggable, so defined before WordPress loads.
 *
 * @return bool
 */
function wp_mail() {
	return true;
}

require_once ABSPATH . 'wp-settings.php';
