<?php
/**
 * Uninstall: tell Sapa to forget the shop (it deletes its webhooks and revokes the key), delete the
 * WooCommerce REST key the plugin created and every option the plugin stored.
 *
 * @package Sapa
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

if ( ! defined( 'SAPA_VERSION' ) ) {
	define( 'SAPA_VERSION', '0.1.0' );
}
if ( ! defined( 'SAPA_PLUGIN_FILE' ) ) {
	define( 'SAPA_PLUGIN_FILE', __DIR__ . '/sapa.php' );
}
require_once __DIR__ . '/includes/class-sapa-autoloader.php';
Sapa_Autoloader::register();

// Best effort: an unreachable Sapa must not block the uninstall.
Sapa_Connection::disconnect();
Sapa_Options::delete_all();
