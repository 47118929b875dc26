<?php
/**
 * Activates the plugin the way the Plugins screen does (activate_plugin runs its activation hook).
 *
 * @package Sapa
 */

require __DIR__ . '/wp-config.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$sapa_result = activate_plugin( 'sapa/sapa.php' );
if ( is_wp_error( $sapa_result ) ) {
	fwrite( STDERR, 'activate_plugin failed: ' . $sapa_result->get_error_message() . "\n" );
	exit( 1 );
}
echo 'active plugins: ' . implode( ', ', (array) get_option( 'active_plugins' ) ) . "\n";
