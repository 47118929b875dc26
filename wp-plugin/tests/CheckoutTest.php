<?php
/**
 * Checkout: the WhatsApp number field and the explicit opt-in, validated and stored on the order.
 *
 * WooCommerce cannot be installed here: the hooks are fired as WooCommerce fires them, with the
 * stand-in order object (support/woocommerce-standin.php) where WooCommerce passes a WC_Order.
 *
 * @package Sapa
 */

/**
 * Checkout fields.
 */
class CheckoutTest extends Sapa_Test_Case {

	/**
	 * Runs WooCommerce's classic checkout sequence for a posted form: validation, then (when no error
	 * notice was added) order creation.
	 *
	 * @param array $post Posted fields (unslashed).
	 * @return Sapa_Test_Order|null The order, or null when the checkout was stopped.
	 */
	private function checkout( array $post ) {
		$_POST    = wp_slash( $post );
		$_REQUEST = $_POST;
		do_action( 'woocommerce_checkout_process' );
		foreach ( $GLOBALS['sapa_test_wc_notices'] as $notice ) {
			if ( 'error' === $notice['type'] ) {
				return null;
			}
		}
		$order = new Sapa_Test_Order();
		do_action( 'woocommerce_checkout_create_order', $order, array() );
		return $order;
	}

	public function test_fields_render_with_an_unchecked_opt_in() {
		$html = $this->capture(
			function () {
				do_action( 'woocommerce_after_order_notes', null );
			}
		);
		$this->assertMatchesRegularExpression( '/<input type="tel"[^>]*name="sapa_whatsapp"/', $html );
		$this->assertMatchesRegularExpression( '/<label for="sapa_whatsapp">WhatsApp number/', $html );
		$this->assertMatchesRegularExpression( '/<input type="checkbox"[^>]*name="sapa_whatsapp_opt_in" id="sapa_whatsapp_opt_in" value="yes" \/>/', $html );
		$this->assertStringNotContainsString( 'checked', $html, 'the opt-in is unchecked by default' );
		$this->assertMatchesRegularExpression( '/<label class="checkbox" for="sapa_whatsapp_opt_in">/', $html );
	}

	public function test_number_and_opt_in_are_stored_on_the_order() {
		$order = $this->checkout(
			array(
				'sapa_whatsapp'        => '+62 812-3456-7890',
				'sapa_whatsapp_opt_in' => 'yes',
			)
		);
		$this->assertNotNull( $order );
		$this->assertSame( '+6281234567890', $order->get_meta( 'sapa_whatsapp' ) );
		$this->assertSame( 'yes', $order->get_meta( 'sapa_whatsapp_opt_in' ) );
	}

	public function test_unticked_opt_in_is_stored_as_no() {
		$order = $this->checkout( array( 'sapa_whatsapp' => '0812 3456 7890' ) );
		$this->assertSame( '081234567890', $order->get_meta( 'sapa_whatsapp' ) );
		$this->assertSame( 'no', $order->get_meta( 'sapa_whatsapp_opt_in' ) );
	}

	public function test_empty_fields_store_only_the_refusal() {
		$order = $this->checkout( array() );
		$this->assertSame( array( 'sapa_whatsapp_opt_in' => 'no' ), $order->meta );
	}

	/**
	 * @dataProvider bad_numbers
	 */
	public function test_a_number_that_is_not_phone_like_stops_the_checkout( $number ) {
		$this->assertNull( $this->checkout( array( 'sapa_whatsapp' => $number ) ) );
		$this->assertSame( 'error', $GLOBALS['sapa_test_wc_notices'][0]['type'] );
		$this->assertStringContainsString( 'valid WhatsApp number', $GLOBALS['sapa_test_wc_notices'][0]['message'] );
	}

	public function bad_numbers() {
		return array(
			'letters'   => array( 'call me maybe' ),
			'too short' => array( '12345' ),
			'too long'  => array( '+1234567890123456' ),
			'markup'    => array( '<script>alert(1)</script>' ),
			'two plus'  => array( '++6281234567890' ),
			'bad utf-8' => array( "0812\xff34567890" ),
		);
	}

	public function test_opt_in_without_a_number_stops_the_checkout() {
		$this->assertNull( $this->checkout( array( 'sapa_whatsapp_opt_in' => 'yes' ) ) );
		$this->assertStringContainsString( 'enter your WhatsApp number', $GLOBALS['sapa_test_wc_notices'][0]['message'] );
	}

	public function test_order_creation_never_stores_an_invalid_number() {
		// Even if another extension let the checkout continue, nothing invalid reaches the order.
		$_POST = array( 'sapa_whatsapp' => 'not a phone' );
		$order = new Sapa_Test_Order();
		do_action( 'woocommerce_checkout_create_order', $order, array() );
		$this->assertSame( array(), $order->meta );
	}

	public function test_block_checkout_fields_are_copied_to_the_contract_meta_keys() {
		$order = new Sapa_Test_Order();
		do_action( 'woocommerce_set_additional_field_value', 'sapa/whatsapp', '+62 812 3456 7890', 'other', $order );
		do_action( 'woocommerce_set_additional_field_value', 'sapa/whatsapp-opt-in', true, 'other', $order );
		do_action( 'woocommerce_set_additional_field_value', 'someone-else/field', 'x', 'other', $order );
		$this->assertSame(
			array(
				'sapa_whatsapp'        => '+6281234567890',
				'sapa_whatsapp_opt_in' => 'yes',
			),
			$order->meta
		);

		$junk = new Sapa_Test_Order();
		do_action( 'woocommerce_set_additional_field_value', 'sapa/whatsapp', '<b>0812</b>', 'other', $junk );
		$this->assertSame( array(), $junk->meta, 'an invalid number never reaches the order' );

		$refused = new Sapa_Test_Order();
		do_action( 'woocommerce_set_additional_field_value', 'sapa/whatsapp-opt-in', false, 'other', $refused );
		$this->assertSame( array( 'sapa_whatsapp_opt_in' => 'no' ), $refused->meta );
	}

	public function test_block_checkout_validation_uses_the_same_rules() {
		$errors = new WP_Error();
		do_action( 'woocommerce_blocks_validate_location_order_fields', $errors, array( 'sapa/whatsapp' => 'abc' ), 'other' );
		$this->assertTrue( $errors->has_errors() );

		$errors = new WP_Error();
		do_action( 'woocommerce_blocks_validate_location_order_fields', $errors, array( 'sapa/whatsapp-opt-in' => true ), 'other' );
		$this->assertTrue( $errors->has_errors() );

		$errors = new WP_Error();
		do_action( 'woocommerce_blocks_validate_location_order_fields', $errors, array( 'sapa/whatsapp' => '+6281234567890', 'sapa/whatsapp-opt-in' => true ), 'other' );
		$this->assertFalse( $errors->has_errors() );
	}
}
