<?php
/**
 * The settings page's form handlers (admin-post.php actions).
 *
 * Each handler: capability check → nonce → sanitize → validate → save → redirect back with a notice.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Handles the four forms of Settings → Sapa.
 */
class Sapa_Admin_Actions {

	const SAVE_SETTINGS = 'sapa_save_settings';
	const CONNECT       = 'sapa_connect';
	const DISCONNECT    = 'sapa_disconnect';
	const WHATSAPP      = 'sapa_whatsapp';

	/**
	 * Registers the admin-post handlers.
	 */
	public function register_hooks() {
		add_action( 'admin_post_' . self::SAVE_SETTINGS, array( $this, 'save_settings' ) );
		add_action( 'admin_post_' . self::CONNECT, array( $this, 'connect' ) );
		add_action( 'admin_post_' . self::DISCONNECT, array( $this, 'disconnect' ) );
		add_action( 'admin_post_' . self::WHATSAPP, array( $this, 'change_sender' ) );
	}

	/**
	 * Storefront button settings.
	 */
	public function save_settings() {
		$this->authorize( self::SAVE_SETTINGS );
		$settings = Sapa_Options::clean_settings( $this->posted() );
		if ( is_wp_error( $settings ) ) {
			Sapa_Notices::add_error( $settings );
		} else {
			Sapa_Options::save_settings( $settings );
			Sapa_Notices::add( 'success', __( 'Settings saved.', 'sapa' ) );
		}
		$this->back();
	}

	/**
	 * Connect to Sapa.
	 */
	public function connect() {
		$this->authorize( self::CONNECT );
		$input  = $this->posted();
		$errors = new WP_Error();

		$api_url = Sapa_Connection::clean_api_url( isset( $input['api_url'] ) ? (string) $input['api_url'] : '' );
		if ( is_wp_error( $api_url ) ) {
			$errors->merge_from( $api_url );
		}
		// A token is passed on byte for byte, so it is checked rather than rewritten.
		$token = isset( $input['connect_token'] ) ? trim( (string) $input['connect_token'] ) : '';
		if ( ! preg_match( '/^[\x21-\x7E]{1,512}$/', $token ) ) {
			$errors->add( 'connect_token', __( 'Enter the connect token you received from your Sapa operator.', 'sapa' ) );
		}
		$whatsapp = Sapa_WhatsApp_Sender::from_input( $input );
		if ( is_wp_error( $whatsapp ) ) {
			$errors->merge_from( $whatsapp );
		}

		if ( $errors->has_errors() ) {
			Sapa_Notices::add_error( $errors );
			$this->back();
			return;
		}

		$result = Sapa_Connection::connect( $api_url, $token, $whatsapp );
		if ( is_wp_error( $result ) ) {
			Sapa_Notices::add_error( $result );
		} elseif ( $result['reconnected'] ) {
			Sapa_Notices::add(
				'success',
				null === $result['whatsapp_number']
					? __( 'Reconnected to Sapa: the same store as before. Sapa replaced its old webhooks and is catching up with what changed; progress is shown below.', 'sapa' )
					/* translators: %s: the store's WhatsApp number */
					: sprintf( __( 'Reconnected to Sapa: the same store as before, with the same WhatsApp number %s. Sapa replaced its old webhooks and is catching up with what changed; progress is shown below.', 'sapa' ), $result['whatsapp_number'] )
			);
		} else {
			Sapa_Notices::add( 'success', __( 'Connected to Sapa. Your orders, customers and products are being copied; progress is shown below.', 'sapa' ) );
		}
		if ( ! is_wp_error( $result ) && $result['older_keys_deleted'] > 0 ) {
			/* translators: %d: number of keys */
			Sapa_Notices::add( 'info', sprintf( _n( '%d older WooCommerce REST API key made for Sapa was deleted.', '%d older WooCommerce REST API keys made for Sapa were deleted.', $result['older_keys_deleted'], 'sapa' ), $result['older_keys_deleted'] ) );
		}
		$this->back();
	}

	/**
	 * Disconnect from Sapa.
	 */
	public function disconnect() {
		$this->authorize( self::DISCONNECT );
		$result = Sapa_Connection::disconnect();
		if ( is_wp_error( $result ) ) {
			Sapa_Notices::add( 'sapa_not_connected' === $result->get_error_code() ? 'info' : 'warning', $result->get_error_message() );
		} else {
			Sapa_Notices::add( 'success', __( 'Disconnected from Sapa. Its webhooks and this shop\'s keys were removed.', 'sapa' ) );
		}
		$this->back();
	}

	/**
	 * Change the WhatsApp sender of a connected shop.
	 */
	public function change_sender() {
		$this->authorize( self::WHATSAPP );
		$whatsapp = Sapa_WhatsApp_Sender::from_input( $this->posted() );
		$result   = is_wp_error( $whatsapp ) ? $whatsapp : Sapa_Connection::change_sender( $whatsapp );
		if ( is_wp_error( $result ) ) {
			Sapa_Notices::add_error( $result );
		} else {
			Sapa_Notices::add( 'success', __( 'WhatsApp sender updated.', 'sapa' ) );
		}
		$this->back();
	}

	/**
	 * Capability first, then the form's nonce; either failing ends the request with 403.
	 *
	 * @param string $action Nonce action (same as the admin-post action).
	 */
	private function authorize( $action ) {
		if ( ! current_user_can( Sapa_Plugin::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to change the Sapa settings.', 'sapa' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( $action );
	}

	/**
	 * The form's "sapa[...]" fields, unslashed (sanitized per field by the caller).
	 *
	 * @return array
	 */
	private function posted() {
		// Nonce checked in authorize() before any caller reads this.
		$posted = isset( $_POST['sapa'] ) ? wp_unslash( $_POST['sapa'] ) : array(); // phpcs:ignore WordPress.Security.NonceVerification.Missing, WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		return is_array( $posted ) ? $posted : array();
	}

	/**
	 * Back to the settings page.
	 */
	private function back() {
		wp_safe_redirect( Sapa_Settings_Page::url() );
		exit;
	}
}
