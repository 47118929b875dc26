<?php
/**
 * Activates the plugin the way the Plugins screen does (activate_plugin runs its activation hook), then
 * loads the site again with the plugin active, as the next page view does (in a second process: a plugin's
 * hooks are registered while WordPress loads), under WP_DEBUG with every PHP error, notice, deprecation
 * and WordPress misuse collected (php-errors.php): any one fails. Without a real WooCommerce (make test),
 * the second load announces the stand-in (whose
 * woocommerce_register_additional_checkout_field checks the field as WooCommerce 11 does) and fires
 * woocommerce_init, where the plugin registers its checkout fields; with a real WooCommerce active
 * (make e2e-woocommerce), WooCommerce itself loads and runs its init.
 *
 * Usage: php activate.php          (activate, then run `php activate.php --load`)
 *
 * @package Sapa
 */

require __DIR__ . '/php-errors.php';
require __DIR__ . '/wp-config.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

if ( in_array( '--load', $argv, true ) ) {
	if ( ! class_exists( 'Sapa_Plugin' ) ) {
		fwrite( STDERR, "the plugin did not load\n" );
		exit( 1 );
	}
	if ( ! class_exists( 'WooCommerce' ) ) {
		// No WooCommerce (make test): its stand-in, and the init action WooCommerce fires on init.
		require __DIR__ . '/woocommerce-standin.php';
		do_action( 'woocommerce_init' );
	}
	echo 'site loaded with the plugin active, WooCommerce\'s init fired (' . ( defined( 'WC_VERSION' ) ? 'WooCommerce ' . WC_VERSION : 'stand-in' ) . '): ' . count( $GLOBALS['sapa_php_errors'] ) . " PHP errors, notices, deprecations or misuses\n";
	exit( 0 );
}

$sapa_result = activate_plugin( 'sapa/sapa.php' );
if ( is_wp_error( $sapa_result ) ) {
	fwrite( STDERR, 'activate_plugin failed: ' . $sapa_result->get_error_message() . "\n" );
	exit( 1 );
}
echo 'active plugins: ' . implode( ', ', (array) get_option( 'active_plugins' ) ) . '; ' . count( $GLOBALS['sapa_php_errors'] ) . " PHP errors, notices, deprecations or misuses while loading and activating\n";
passthru( escapeshellarg( PHP_BINARY ) . ' ' . escapeshellarg( __FILE__ ) . ' --load', $sapa_status );
exit( $sapa_status );
