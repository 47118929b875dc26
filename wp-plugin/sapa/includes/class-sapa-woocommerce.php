<?php
/**
 * The thin adapter to WooCommerce: hook registration, its REST keys table and the facts Sapa needs.
 *
 * Everything that touches a WooCommerce class or function lives here and stays small; the logic it
 * calls (Sapa_Checkout) is plain WordPress and tested as such.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce integration points.
 */
class Sapa_WooCommerce {

	/**
	 * Block checkout field ids (Additional Checkout Fields API, WooCommerce 8.9+).
	 */
	const BLOCK_NUMBER = 'sapa/whatsapp';
	const BLOCK_OPT_IN = 'sapa/whatsapp-opt-in';

	/**
	 * Description of the REST keys the plugin creates, as WooCommerce's own WC_Auth::create_keys words it
	 * ("<app> - API (<date>)"); never translated, because the plugin finds its older keys by it.
	 */
	const KEY_DESCRIPTION = 'Sapa - API (%s)';

	/**
	 * Registers the checkout hooks. Harmless without WooCommerce: its actions simply never fire.
	 */
	public function register_hooks() {
		add_action( 'before_woocommerce_init', array( $this, 'declare_compatibility' ) );

		// Classic (shortcode) checkout.
		add_action( 'woocommerce_after_order_notes', array( 'Sapa_Checkout', 'render_fields' ) );
		add_action( 'woocommerce_checkout_process', array( $this, 'validate_classic_checkout' ) );
		add_action( 'woocommerce_checkout_create_order', array( $this, 'save_classic_checkout' ), 10, 2 );

		// Block checkout.
		add_action( 'woocommerce_init', array( $this, 'register_block_fields' ) );
		add_action( 'woocommerce_blocks_validate_location_order_fields', array( $this, 'validate_block_fields' ), 10, 2 );
		add_action( 'woocommerce_set_additional_field_value', array( $this, 'copy_block_field' ), 10, 4 );

		// A tracking number the shop writes to the customer in an order note.
		add_action( 'woocommerce_order_note_added', array( $this, 'read_customer_note' ), 10, 2 );
	}

	/**
	 * Whether WooCommerce is loaded (it fires woocommerce_loaded once its classes are available).
	 *
	 * @return bool
	 */
	public static function is_active() {
		return did_action( 'woocommerce_loaded' ) > 0;
	}

	/**
	 * Orders are only touched through WC_Order methods, so High-Performance Order Storage is fine.
	 */
	public function declare_compatibility() {
		if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', SAPA_PLUGIN_FILE, true );
		}
	}

	/**
	 * Classic checkout validation (woocommerce_checkout_process).
	 */
	public function validate_classic_checkout() {
		// WooCommerce verified its checkout nonce before firing woocommerce_checkout_process.
		$fields = Sapa_Checkout::from_request( wp_unslash( $_POST ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
		$errors = Sapa_Checkout::validate( $fields['number'], $fields['opt_in'] );
		foreach ( $errors->get_error_messages() as $message ) {
			wc_add_notice( esc_html( $message ), 'error' );
		}
	}

	/**
	 * Classic checkout: puts the fields on the new order (woocommerce_checkout_create_order).
	 *
	 * @param object $order WC_Order being created.
	 * @param array  $data  Posted checkout data (WooCommerce's own fields only).
	 */
	public function save_classic_checkout( $order, $data = array() ) {
		unset( $data );
		$fields = Sapa_Checkout::from_request( wp_unslash( $_POST ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
		if ( Sapa_Checkout::validate( $fields['number'], $fields['opt_in'] )->has_errors() ) {
			return; // validate_classic_checkout already stopped the checkout.
		}
		Sapa_Checkout::apply_to_order( $order, Sapa_Checkout::order_meta( $fields['number'], $fields['opt_in'] ) );
	}

	/**
	 * Block checkout: the same two fields in the order section.
	 */
	public function register_block_fields() {
		if ( ! function_exists( 'woocommerce_register_additional_checkout_field' ) ) {
			return;
		}
		woocommerce_register_additional_checkout_field(
			array(
				'id'         => self::BLOCK_NUMBER,
				'label'      => __( 'WhatsApp number (optional)', 'sapa' ),
				'location'   => 'order',
				'type'       => 'text',
				'required'   => false,
				// WooCommerce allows only maxLength, readOnly, pattern, autocomplete, autocapitalize, title,
				// aria-* and data-* here; any other attribute is a notice on every page (inputmode was).
				'attributes' => array(
					'autocomplete' => 'tel',
				),
			)
		);
		woocommerce_register_additional_checkout_field(
			array(
				'id'       => self::BLOCK_OPT_IN,
				'label'    => __( 'Yes, send me offers and news on WhatsApp. I can unsubscribe at any time.', 'sapa' ),
				'location' => 'order',
				'type'     => 'checkbox',
				'required' => false,
			)
		);
	}

	/**
	 * Block checkout validation of both fields together.
	 *
	 * @param WP_Error $errors Errors WooCommerce collects.
	 * @param array    $fields Submitted order-section fields.
	 */
	public function validate_block_fields( $errors, $fields ) {
		$number = isset( $fields[ self::BLOCK_NUMBER ] ) ? Sapa_Checkout::clean_number( (string) $fields[ self::BLOCK_NUMBER ] ) : '';
		$opt_in = ! empty( $fields[ self::BLOCK_OPT_IN ] );
		foreach ( Sapa_Checkout::validate( $number, $opt_in )->get_error_messages() as $message ) {
			$errors->add( 'sapa_whatsapp', $message );
		}
	}

	/**
	 * Block checkout: mirrors the fields into the contract's meta keys (WooCommerce keeps its own
	 * "_wc_other/sapa/..." copies as well).
	 *
	 * @param string $key       Field id.
	 * @param mixed  $value     Field value.
	 * @param string $group     'billing', 'shipping' or 'other'.
	 * @param object $wc_object WC_Order or WC_Customer.
	 */
	public function copy_block_field( $key, $value, $group, $wc_object ) {
		if ( 'other' !== $group || ! is_object( $wc_object ) || ! method_exists( $wc_object, 'update_meta_data' ) ) {
			return;
		}
		if ( self::BLOCK_NUMBER === $key ) {
			$number = Sapa_Checkout::clean_number( (string) $value );
			if ( Sapa_Checkout::is_phone_like( $number ) ) {
				$wc_object->update_meta_data( Sapa_Checkout::NUMBER, $number );
			}
		} elseif ( self::BLOCK_OPT_IN === $key ) {
			$wc_object->update_meta_data( Sapa_Checkout::OPT_IN, $value ? 'yes' : 'no' );
		}
	}

	/**
	 * A note to the customer that announces a tracking number (woocommerce_order_note_added, WooCommerce
	 * 4.4+): the number goes on the order as Sapa_Tracking_Note::META, and the order is saved with a new
	 * date_modified, because a note alone sends no webhook and leaves date_modified as it was (seen on
	 * WooCommerce 11). The save sends order.updated; Sapa reads the meta and sends "shipped". Private
	 * notes, notes without a number and a number already on the order change nothing.
	 *
	 * @param int    $note_id The note (comment) id.
	 * @param object $order   The WC_Order the note was added to.
	 */
	public function read_customer_note( $note_id, $order ) {
		if ( ! is_object( $order ) || ! method_exists( $order, 'get_id' ) || ! get_comment_meta( $note_id, 'is_customer_note', true ) ) {
			return;
		}
		$note   = get_comment( $note_id );
		$number = Sapa_Tracking_Note::tracking_number( $note ? $note->comment_content : '' );
		// The order as stored, not the caller's object, which may hold changes the caller has yet to save.
		$stored = null === $number ? null : wc_get_order( $order->get_id() );
		if ( ! $stored || $stored->get_meta( Sapa_Tracking_Note::META ) === $number ) {
			return;
		}
		$stored->update_meta_data( Sapa_Tracking_Note::META, $number );
		$stored->set_date_modified( time() );
		$stored->save();
	}

	/**
	 * Creates a read/write WooCommerce REST API key for Sapa, as WooCommerce's own WC_Auth::create_keys
	 * does: the consumer key is stored only as wc_api_hash (HMAC-SHA256 with the key "wc-api").
	 *
	 * @param int $user_id The WordPress user the key acts as.
	 * @return array|WP_Error {key_id, consumer_key, consumer_secret}
	 */
	public static function create_api_key( $user_id ) {
		global $wpdb;

		$consumer_key    = 'ck_' . self::random_hex();
		$consumer_secret = 'cs_' . self::random_hex();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery -- WooCommerce offers no API for this table.
		$inserted = $wpdb->insert(
			$wpdb->prefix . 'woocommerce_api_keys',
			array(
				'user_id'         => (int) $user_id,
				'description'     => sprintf( self::KEY_DESCRIPTION, gmdate( 'Y-m-d H:i:s' ) ),
				'permissions'     => 'read_write',
				'consumer_key'    => hash_hmac( 'sha256', $consumer_key, 'wc-api' ),
				'consumer_secret' => $consumer_secret,
				'truncated_key'   => substr( $consumer_key, -7 ),
			),
			array( '%d', '%s', '%s', '%s', '%s', '%s' )
		);
		if ( false === $inserted ) {
			return new WP_Error( 'sapa_wc_key', __( 'Could not create the WooCommerce REST API key for Sapa. Is WooCommerce installed and up to date?', 'sapa' ) );
		}
		return array(
			'key_id'          => (int) $wpdb->insert_id,
			'consumer_key'    => $consumer_key,
			'consumer_secret' => $consumer_secret,
		);
	}

	/**
	 * Deletes the REST API key the plugin created.
	 *
	 * @param int $key_id Row id in woocommerce_api_keys.
	 */
	public static function delete_api_key( $key_id ) {
		global $wpdb;
		if ( $key_id > 0 ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery -- WooCommerce offers no API for this table.
			$wpdb->delete( $wpdb->prefix . 'woocommerce_api_keys', array( 'key_id' => (int) $key_id ), array( '%d' ) );
		}
	}

	/**
	 * Deletes the REST API keys the plugin created before, all but one: after a reconnect, the keys of the
	 * lost connection (a database restore, a reinstalled plugin) are only unused doors.
	 *
	 * @param int $keep_key_id The key of the current connection.
	 * @return int How many keys were deleted.
	 */
	public static function delete_older_api_keys( $keep_key_id ) {
		global $wpdb;
		$table = $wpdb->prefix . 'woocommerce_api_keys';
		$like  = $wpdb->esc_like( substr( self::KEY_DESCRIPTION, 0, strpos( self::KEY_DESCRIPTION, '%' ) ) ) . '%';
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- WooCommerce offers no API for this table; name from $wpdb->prefix.
		$deleted = $wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE description LIKE %s AND key_id <> %d", $like, (int) $keep_key_id ) );
		return is_int( $deleted ) ? $deleted : 0;
	}

	/**
	 * The shop's currency (WooCommerce setting).
	 *
	 * @return string
	 */
	public static function currency() {
		return (string) get_option( 'woocommerce_currency', '' );
	}

	/**
	 * The shop's country, ISO 3166-1 alpha-2 ("ID:JK" is stored as country:state).
	 *
	 * @return string
	 */
	public static function country() {
		$parts = explode( ':', (string) get_option( 'woocommerce_default_country', '' ) );
		return strtoupper( $parts[0] );
	}

	/**
	 * Whether the current request shows the cart or checkout page.
	 *
	 * @return bool
	 */
	public static function is_cart_or_checkout() {
		$ids = array_filter(
			array(
				(int) get_option( 'woocommerce_cart_page_id', 0 ),
				(int) get_option( 'woocommerce_checkout_page_id', 0 ),
			)
		);
		return array() !== $ids && is_page( $ids );
	}

	/**
	 * 40 random hex characters, as wc_rand_hash().
	 *
	 * @return string
	 */
	private static function random_hex() {
		return bin2hex( random_bytes( 20 ) );
	}
}
