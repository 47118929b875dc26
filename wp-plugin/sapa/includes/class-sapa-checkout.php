<?php
/**
 * The checkout's WhatsApp number and marketing opt-in: markup, validation and the order meta they become.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Checkout logic that needs no WooCommerce class; Sapa_WooCommerce hooks it into the checkout.
 */
class Sapa_Checkout {

	/**
	 * Form field and order meta key of the WhatsApp number (WOO_CONTRACT: E.164 or as typed).
	 */
	const NUMBER = 'sapa_whatsapp';

	/**
	 * Form field and order meta key of the marketing opt-in (WOO_CONTRACT: "yes" | "no").
	 */
	const OPT_IN = 'sapa_whatsapp_opt_in';

	/**
	 * Prints the two fields (classic checkout, after the order notes).
	 *
	 * @param mixed $checkout WC_Checkout (unused: the fields start empty and the opt-in unchecked).
	 */
	public static function render_fields( $checkout = null ) {
		unset( $checkout );
		?>
		<div class="sapa-checkout-fields">
			<p class="form-row form-row-wide" id="<?php echo esc_attr( self::NUMBER ); ?>_field">
				<label for="<?php echo esc_attr( self::NUMBER ); ?>"><?php esc_html_e( 'WhatsApp number', 'sapa' ); ?>&nbsp;<span class="optional"><?php esc_html_e( '(optional)', 'sapa' ); ?></span></label>
				<span class="woocommerce-input-wrapper">
					<input type="tel" class="input-text" name="<?php echo esc_attr( self::NUMBER ); ?>" id="<?php echo esc_attr( self::NUMBER ); ?>" autocomplete="tel" inputmode="tel" aria-describedby="<?php echo esc_attr( self::NUMBER ); ?>-description" value="" />
				</span>
				<span class="description" id="<?php echo esc_attr( self::NUMBER ); ?>-description"><?php esc_html_e( 'For order updates and questions on WhatsApp.', 'sapa' ); ?></span>
			</p>
			<p class="form-row form-row-wide" id="<?php echo esc_attr( self::OPT_IN ); ?>_field">
				<label class="checkbox" for="<?php echo esc_attr( self::OPT_IN ); ?>">
					<input type="checkbox" class="input-checkbox" name="<?php echo esc_attr( self::OPT_IN ); ?>" id="<?php echo esc_attr( self::OPT_IN ); ?>" value="yes" />
					<?php esc_html_e( 'Yes, send me offers and news on WhatsApp. I can unsubscribe at any time.', 'sapa' ); ?>
				</label>
			</p>
		</div>
		<?php
	}

	/**
	 * Reads the two fields from a submitted checkout.
	 *
	 * @param array $post Unslashed request fields.
	 * @return array{number: string, opt_in: bool}
	 */
	public static function from_request( array $post ) {
		$number = isset( $post[ self::NUMBER ] ) && is_scalar( $post[ self::NUMBER ] ) ? self::clean_number( (string) $post[ self::NUMBER ] ) : '';
		$opt_in = isset( $post[ self::OPT_IN ] ) && is_scalar( $post[ self::OPT_IN ] ) && in_array( (string) $post[ self::OPT_IN ], array( 'yes', '1', 'on', 'true' ), true );
		return array(
			'number' => $number,
			'opt_in' => $opt_in,
		);
	}

	/**
	 * Strips what people type between digits (spaces, dots, dashes, slashes, brackets). Anything else
	 * is left in place so that validate() rejects it rather than quietly storing a changed number.
	 *
	 * @param string $raw Typed number.
	 * @return string
	 */
	public static function clean_number( $raw ) {
		$clean = preg_replace( '/[\s().\-\/]/u', '', $raw );
		return is_string( $clean ) ? $clean : $raw; // Invalid UTF-8: left as is, so validation fails.
	}

	/**
	 * Whether a cleaned number looks like a phone number: optional "+", then 8 to 15 digits.
	 * (Sapa normalises it to E.164 with the shop's country.)
	 *
	 * @param string $number Cleaned number.
	 * @return bool
	 */
	public static function is_phone_like( $number ) {
		return 1 === preg_match( '/^\+?[0-9]{8,15}$/', $number );
	}

	/**
	 * Validates the two fields.
	 *
	 * @param string $number Cleaned number ('' when left empty).
	 * @param bool   $opt_in Whether the opt-in box is ticked.
	 * @return WP_Error Empty when the fields are fine.
	 */
	public static function validate( $number, $opt_in ) {
		$errors = new WP_Error();
		if ( '' !== $number && ! self::is_phone_like( $number ) ) {
			$errors->add( self::NUMBER, __( 'Please enter a valid WhatsApp number, e.g. +62 812 3456 7890.', 'sapa' ) );
		} elseif ( '' === $number && $opt_in ) {
			$errors->add( self::NUMBER, __( 'Please enter your WhatsApp number to receive offers on WhatsApp.', 'sapa' ) );
		}
		return $errors;
	}

	/**
	 * The order meta for valid fields: the number when given, and the opt-in always ("no" unless ticked).
	 *
	 * @param string $number Cleaned number.
	 * @param bool   $opt_in Opt-in.
	 * @return array<string, string>
	 */
	public static function order_meta( $number, $opt_in ) {
		$meta = array();
		if ( '' !== $number ) {
			$meta[ self::NUMBER ] = $number;
		}
		$meta[ self::OPT_IN ] = $opt_in ? 'yes' : 'no';
		return $meta;
	}

	/**
	 * Writes meta onto an order through its own API (HPOS-safe); WooCommerce saves the order afterwards.
	 *
	 * @param object $order WC_Order (anything with update_meta_data).
	 * @param array  $meta  Output of order_meta().
	 */
	public static function apply_to_order( $order, array $meta ) {
		foreach ( $meta as $key => $value ) {
			$order->update_meta_data( $key, $value );
		}
	}
}
