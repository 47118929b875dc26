<?php
/**
 * Wires the plugin's parts to WordPress hooks.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Entry point: every hook the plugin uses is registered here, so a reader sees them in one place.
 */
class Sapa_Plugin {

	/**
	 * The one capability that may configure Sapa and call its REST routes.
	 */
	const CAPABILITY = 'manage_options';

	/**
	 * Runs on plugins_loaded.
	 */
	public static function boot() {
		add_action( 'init', array( __CLASS__, 'load_textdomain' ) );

		$woocommerce = new Sapa_WooCommerce();
		$woocommerce->register_hooks();

		$button = new Sapa_Button();
		add_action( 'wp_enqueue_scripts', array( $button, 'enqueue' ) );
		add_action( 'wp_footer', array( $button, 'render' ) );

		$webhooks = new Sapa_Webhooks();
		add_filter( 'http_allowed_safe_ports', array( $webhooks, 'allow_sapa_port' ), 10, 3 );
		add_action( 'http_api_debug', array( $webhooks, 'record_delivery' ), 10, 5 );

		$rest = new Sapa_Rest();
		add_action( 'rest_api_init', array( $rest, 'register_routes' ) );

		if ( is_admin() ) {
			$page = new Sapa_Settings_Page();
			add_action( 'admin_menu', array( $page, 'add_menu' ) );
			add_action( 'admin_enqueue_scripts', array( $page, 'enqueue' ) );
			add_action( 'admin_notices', array( $page, 'render_notices' ) );
			add_filter( 'plugin_action_links_' . plugin_basename( SAPA_PLUGIN_FILE ), array( $page, 'action_links' ) );
		}

		$actions = new Sapa_Admin_Actions();
		$actions->register_hooks();

		$privacy = new Sapa_Privacy();
		add_filter( 'wp_privacy_personal_data_exporters', array( $privacy, 'register_exporter' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( $privacy, 'register_eraser' ) );
	}

	/**
	 * Loads translations from the plugin's languages/ folder (and wp-content/languages/plugins).
	 */
	public static function load_textdomain() {
		load_plugin_textdomain( 'sapa', false, dirname( plugin_basename( SAPA_PLUGIN_FILE ) ) . '/languages' );
	}

	/**
	 * Activation: store the default settings once (an existing configuration is kept).
	 */
	public static function activate() {
		add_option( Sapa_Options::SETTINGS, Sapa_Options::default_settings() );
	}
}
