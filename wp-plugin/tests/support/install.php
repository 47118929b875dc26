<?php
/**
 * Installs WordPress into the empty test database (wp_install), sets the shop's WooCommerce options and
 * creates WooCommerce's REST API keys table with WooCommerce's own schema (WC_Install::get_schema):
 * WooCommerce itself cannot be installed here, and the plugin writes its Sapa key into that table.
 *
 * @package Sapa
 */

define( 'WP_INSTALLING', true );
require __DIR__ . '/wp-config.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$sapa_result = wp_install( 'Batik Sapa Test', 'admin', 'admin@example.org', false, '', 'admin-password-for-tests' );
if ( empty( $sapa_result['user_id'] ) ) {
	fwrite( STDERR, "wp_install failed\n" );
	exit( 1 );
}

update_option( 'woocommerce_currency', 'IDR' );
update_option( 'woocommerce_default_country', 'ID:JK' );
update_option( 'timezone_string', 'Asia/Jakarta' );

global $wpdb;
$sapa_collate = $wpdb->get_charset_collate();
dbDelta(
	"CREATE TABLE {$wpdb->prefix}woocommerce_api_keys (
  key_id BIGINT UNSIGNED NOT NULL auto_increment,
  user_id BIGINT UNSIGNED NOT NULL,
  description varchar(200) NULL,
  permissions varchar(10) NOT NULL,
  consumer_key char(64) NOT NULL,
  consumer_secret char(43) NOT NULL,
  nonces longtext NULL,
  truncated_key char(7) NOT NULL,
  last_access datetime NULL default null,
  PRIMARY KEY  (key_id),
  KEY consumer_key (consumer_key),
  KEY consumer_secret (consumer_secret)
) $sapa_collate;"
);
if ( $wpdb->get_var( "SHOW TABLES LIKE '{$wpdb->prefix}woocommerce_api_keys'" ) !== $wpdb->prefix . 'woocommerce_api_keys' ) {
	fwrite( STDERR, "could not create woocommerce_api_keys\n" );
	exit( 1 );
}
echo 'WordPress ' . get_bloginfo( 'version' ) . " installed\n";
