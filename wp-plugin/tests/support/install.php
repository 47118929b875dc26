<?php
/**
 * Installs WordPress into the empty test database (wp_install), sets the shop's WooCommerce options and
 * creates WooCommerce's REST API keys and webhooks tables with WooCommerce 11's own schema
 * (WC_Install::get_schema): WooCommerce itself is not part of `make test`; the plugin writes its Sapa key
 * into the first and reads the state of Sapa's webhooks from the second.
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
) $sapa_collate;
CREATE TABLE {$wpdb->prefix}wc_webhooks (
  webhook_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  status varchar(200) NOT NULL,
  name text NOT NULL,
  user_id bigint(20) unsigned NOT NULL,
  delivery_url text NOT NULL,
  secret text NOT NULL,
  topic varchar(200) NOT NULL,
  date_created datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  date_created_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  date_modified datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  date_modified_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  api_version smallint(4) NOT NULL,
  failure_count smallint(10) NOT NULL DEFAULT '0',
  pending_delivery tinyint(1) NOT NULL DEFAULT '0',
  PRIMARY KEY  (webhook_id),
  KEY user_id (user_id)
) $sapa_collate;"
);
foreach ( array( 'woocommerce_api_keys', 'wc_webhooks' ) as $sapa_table ) {
	if ( $wpdb->get_var( "SHOW TABLES LIKE '{$wpdb->prefix}{$sapa_table}'" ) !== $wpdb->prefix . $sapa_table ) {
		fwrite( STDERR, "could not create $sapa_table\n" );
		exit( 1 );
	}
}
echo 'WordPress ' . get_bloginfo( 'version' ) . " installed\n";
