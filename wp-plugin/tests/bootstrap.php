<?php
/**
 * PHPUnit bootstrap: loads the installed test site (real WordPress, the plugin active from the database),
 * the admin includes the settings page needs, and the WooCommerce stand-in.
 *
 * @package Sapa
 */

// PHPUnit includes this file inside a method; WordPress expects these as globals.
global $wpdb, $table_prefix, $wp_filter, $wp_actions, $wp_rewrite, $wp, $wp_query, $wp_the_query, $current_user, $post;

require __DIR__ . '/support/wp-config.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';

if ( ! class_exists( 'Sapa_Plugin' ) ) {
	fwrite( STDERR, "The Sapa plugin is not active in the test site (run.sh activates it).\n" );
	exit( 1 );
}

require __DIR__ . '/support/woocommerce-standin.php';
require __DIR__ . '/support/class-sapa-test-case.php';
require __DIR__ . '/support/class-sapa-test-browser.php';
require __DIR__ . '/support/trait-sapa-privacy-tools.php';
