<?php
/**
 * The plugin's stored state: storefront settings, the Sapa connection and its API key.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads and writes the options the plugin owns (and nothing else).
 */
class Sapa_Options {

	/**
	 * Storefront settings (button and pages); autoloaded because every page view reads them.
	 */
	const SETTINGS = 'sapa_settings';

	/**
	 * The connection to Sapa (URL, store id, WhatsApp number, the WooCommerce key row); not autoloaded.
	 */
	const CONNECTION = 'sapa_connection';

	/**
	 * The store's Sapa API key; not autoloaded and never printed.
	 */
	const API_KEY = 'sapa_api_key';

	/**
	 * The Sapa API URL while a connect request is under way (WooCommerce pings Sapa's new webhooks before
	 * Sapa answers, and the plugin must already let WordPress reach Sapa's port); not autoloaded.
	 */
	const CONNECTING = 'sapa_connecting';

	/**
	 * Outcomes of pings and deliveries to Sapa (Sapa_Webhooks); not autoloaded.
	 */
	const WEBHOOK_LOG = 'sapa_webhook_log';

	/**
	 * Allowed values of the "pages" setting.
	 */
	const PAGE_MODES = array( 'all', 'only', 'except' );

	/**
	 * Allowed button positions.
	 */
	const POSITIONS = array( 'right', 'left' );

	/**
	 * Longest accepted button label / pre-filled message, in characters.
	 */
	const MAX_LABEL = 60;
	const MAX_MESSAGE = 500;

	/**
	 * Defaults for the storefront settings.
	 *
	 * @return array
	 */
	public static function default_settings() {
		return array(
			'button_label'     => __( 'Chat with us', 'sapa' ),
			'message'          => __( 'Hello! I have a question.', 'sapa' ),
			'position'         => 'right',
			'pages'            => 'all',
			'page_ids'         => array(),
			'hide_on_checkout' => true,
		);
	}

	/**
	 * The storefront settings with defaults filled in.
	 *
	 * @return array
	 */
	public static function settings() {
		$stored = get_option( self::SETTINGS, array() );
		return array_merge( self::default_settings(), is_array( $stored ) ? $stored : array() );
	}

	/**
	 * Sanitizes and validates the storefront settings form.
	 *
	 * @param array $input Unslashed form fields.
	 * @return array|WP_Error Clean settings, or every problem found (then nothing may be saved).
	 */
	public static function clean_settings( array $input ) {
		$errors = new WP_Error();

		$label = isset( $input['button_label'] ) ? sanitize_text_field( (string) $input['button_label'] ) : '';
		if ( '' === $label || self::length( $label ) > self::MAX_LABEL ) {
			/* translators: %d: maximum number of characters */
			$errors->add( 'button_label', sprintf( __( 'The button label must be 1 to %d characters.', 'sapa' ), self::MAX_LABEL ) );
		}

		$message = isset( $input['message'] ) ? sanitize_textarea_field( (string) $input['message'] ) : '';
		if ( self::length( $message ) > self::MAX_MESSAGE ) {
			/* translators: %d: maximum number of characters */
			$errors->add( 'message', sprintf( __( 'The pre-filled message may be at most %d characters.', 'sapa' ), self::MAX_MESSAGE ) );
		}

		$position = isset( $input['position'] ) ? sanitize_key( $input['position'] ) : '';
		if ( ! in_array( $position, self::POSITIONS, true ) ) {
			$errors->add( 'position', __( 'The button position must be left or right.', 'sapa' ) );
		}

		$pages = isset( $input['pages'] ) ? sanitize_key( $input['pages'] ) : '';
		if ( ! in_array( $pages, self::PAGE_MODES, true ) ) {
			$errors->add( 'pages', __( 'Choose where the button appears: all pages, only the listed pages, or all but the listed pages.', 'sapa' ) );
		}

		$page_ids = self::parse_page_ids( isset( $input['page_ids'] ) ? (string) $input['page_ids'] : '' );
		if ( null === $page_ids ) {
			$errors->add( 'page_ids', __( 'Page IDs must be whole numbers separated by commas, e.g. 12, 40.', 'sapa' ) );
		} elseif ( 'only' === $pages && array() === $page_ids ) {
			$errors->add( 'page_ids', __( 'List at least one page ID when the button appears only on listed pages.', 'sapa' ) );
		}

		if ( $errors->has_errors() ) {
			return $errors;
		}
		return array(
			'button_label'     => $label,
			'message'          => $message,
			'position'         => $position,
			'pages'            => $pages,
			'page_ids'         => $page_ids,
			'hide_on_checkout' => ! empty( $input['hide_on_checkout'] ),
		);
	}

	/**
	 * Saves clean storefront settings.
	 *
	 * @param array $settings Output of clean_settings().
	 */
	public static function save_settings( array $settings ) {
		update_option( self::SETTINGS, $settings );
	}

	/**
	 * "12, 40" → [12, 40]; "" → []; anything else → null.
	 *
	 * @param string $raw Comma-separated page ids.
	 * @return int[]|null
	 */
	public static function parse_page_ids( $raw ) {
		$raw = trim( $raw );
		if ( '' === $raw ) {
			return array();
		}
		$ids = array();
		foreach ( explode( ',', $raw ) as $part ) {
			$part = trim( $part );
			if ( ! preg_match( '/^[1-9][0-9]{0,18}$/', $part ) ) {
				return null;
			}
			$ids[] = (int) $part;
		}
		return array_values( array_unique( $ids ) );
	}

	/**
	 * The connection record, or null when the shop is not connected.
	 *
	 * @return array|null
	 */
	public static function connection() {
		$connection = get_option( self::CONNECTION );
		if ( ! is_array( $connection ) || empty( $connection['store_id'] ) || '' === self::api_key() ) {
			return null;
		}
		return $connection;
	}

	/**
	 * Whether the shop is connected to Sapa.
	 *
	 * @return bool
	 */
	public static function is_connected() {
		return null !== self::connection();
	}

	/**
	 * The Sapa API key ('' when none).
	 *
	 * @return string
	 */
	public static function api_key() {
		$key = get_option( self::API_KEY, '' );
		return is_string( $key ) ? $key : '';
	}

	/**
	 * Stores a new connection and its key; both options are created with autoload off.
	 *
	 * @param array  $connection Connection record.
	 * @param string $api_key    The store's Sapa API key.
	 */
	public static function save_connection( array $connection, $api_key ) {
		delete_option( self::CONNECTION );
		delete_option( self::API_KEY );
		add_option( self::CONNECTION, $connection, '', 'no' );
		add_option( self::API_KEY, $api_key, '', 'no' );
	}

	/**
	 * Updates fields of the existing connection record (e.g. a WhatsApp number assigned later).
	 *
	 * @param array $changes Fields to overwrite.
	 */
	public static function update_connection( array $changes ) {
		$connection = self::connection();
		if ( null !== $connection ) {
			update_option( self::CONNECTION, array_merge( $connection, $changes ), false );
		}
	}

	/**
	 * Forgets the connection and its key (the storefront settings stay).
	 */
	public static function forget_connection() {
		delete_option( self::CONNECTION );
		delete_option( self::API_KEY );
		delete_option( self::CONNECTING );
		delete_option( self::WEBHOOK_LOG );
	}

	/**
	 * Removes everything the plugin stored in options.
	 */
	public static function delete_all() {
		global $wpdb;
		self::forget_connection();
		delete_option( self::SETTINGS );
		// Pending notices (Sapa_Notices) are per-user transients; remove any left behind.
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- no API lists transients by prefix.
		$wpdb->query(
			$wpdb->prepare(
				"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
				$wpdb->esc_like( '_transient_sapa_notices_' ) . '%',
				$wpdb->esc_like( '_transient_timeout_sapa_notices_' ) . '%'
			)
		);
		wp_cache_delete( 'alloptions', 'options' );
	}

	/**
	 * Length in characters, multibyte-safe when mbstring is present.
	 *
	 * @param string $text Text.
	 * @return int
	 */
	private static function length( $text ) {
		return function_exists( 'mb_strlen' ) ? mb_strlen( $text ) : strlen( $text );
	}
}
