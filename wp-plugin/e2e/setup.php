<?php
/**
 * The e2e shop, set up as a new WooCommerce shop is: WordPress installed into the empty database, pretty
 * permalinks (the REST API at /wp-json), an Indonesian shop (IDR without decimals, Yogyakarta, Asia/Jakarta),
 * then WooCommerce activated with High-Performance Order Storage on. Run twice by run.sh: `setup.php install`
 * (WordPress, WooCommerce activated), then `setup.php check` in a fresh process (WooCommerce loaded as on
 * any page view: it finishes installing on init; HPOS verified). WooCommerce 11.0.1 prints one notice in the
 * second step, before Sapa is active: "_load_textdomain_just_in_time was called incorrectly ... woocommerce"
 * (its bundled Jetpack Connection schedules a cron event on plugins_loaded, and WC_Install::cron_schedules
 * translates the schedule's label then); Sapa's own activation check follows with WooCommerce loaded.
 *
 * @package Sapa
 */

$sapa_step = isset( $argv[1] ) ? $argv[1] : '';
if ( 'install' === $sapa_step ) {
	define( 'WP_INSTALLING', true );
}
require dirname( __DIR__ ) . '/tests/support/wp-config.php';

if ( 'install' === $sapa_step ) {
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	$sapa_result = wp_install( 'Batik Sapa E2E', 'admin', 'admin@example.org', false, '', 'admin-password-for-tests' );
	if ( empty( $sapa_result['user_id'] ) ) {
		fwrite( STDERR, "wp_install failed\n" );
		exit( 1 );
	}
	update_option( 'permalink_structure', '/%postname%/' );
	update_option( 'timezone_string', 'Asia/Jakarta' );
	update_option( 'woocommerce_currency', 'IDR' );
	update_option( 'woocommerce_price_num_decimals', '0' );
	update_option( 'woocommerce_default_country', 'ID:YO' );
	update_option( 'woocommerce_onboarding_profile', array( 'skipped' => true ) );
	$sapa_result = activate_plugin( 'woocommerce/woocommerce.php' );
	if ( is_wp_error( $sapa_result ) ) {
		fwrite( STDERR, 'activating WooCommerce failed: ' . $sapa_result->get_error_message() . "\n" );
		exit( 1 );
	}
	echo 'WordPress ' . get_bloginfo( 'version' ) . " installed, WooCommerce activated\n";
	exit( 0 );
}

if ( ! defined( 'WC_VERSION' ) ) {
	fwrite( STDERR, "WooCommerce did not load\n" );
	exit( 1 );
}
// WooCommerce creates its tables once its version is recorded (WC_Install::check_version on init).
if ( get_option( 'woocommerce_version' ) !== WC_VERSION ) {
	WC_Install::install();
}
$sapa_hpos = \Automattic\WooCommerce\Utilities\OrderUtil::custom_orders_table_usage_is_enabled();
if ( 'off' === getenv( 'E2E_HPOS' ) ) {
	// Posts storage, as shops installed before WooCommerce 8.2 still run (nothing to migrate: no orders yet).
	update_option( 'woocommerce_custom_orders_table_enabled', 'no' );
	update_option( 'woocommerce_custom_orders_table_data_sync_enabled', 'no' );
	if ( \Automattic\WooCommerce\Utilities\OrderUtil::custom_orders_table_usage_is_enabled() ) {
		fwrite( STDERR, "HPOS could not be turned off\n" );
		exit( 1 );
	}
	echo 'WooCommerce ' . WC_VERSION . ' ready, HPOS off (posts storage), currency ' . get_woocommerce_currency() . ', PHP ' . PHP_VERSION . "\n";
	exit( 0 );
}
if ( ! $sapa_hpos ) {
	$sapa_sync = wc_get_container()->get( \Automattic\WooCommerce\Internal\DataStores\Orders\DataSynchronizer::class );
	$sapa_sync->create_database_tables();
	update_option( 'woocommerce_custom_orders_table_enabled', 'yes' );
	update_option( 'woocommerce_custom_orders_table_data_sync_enabled', 'no' );
	$sapa_hpos = \Automattic\WooCommerce\Utilities\OrderUtil::custom_orders_table_usage_is_enabled();
}
if ( ! $sapa_hpos ) {
	fwrite( STDERR, "HPOS could not be turned on\n" );
	exit( 1 );
}
echo 'WooCommerce ' . WC_VERSION . ' ready, HPOS on, currency ' . get_woocommerce_currency() . ', PHP ' . PHP_VERSION . "\n";
