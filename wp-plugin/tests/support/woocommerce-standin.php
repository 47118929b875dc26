<?php
/**
 * The smallest WooCommerce stand-in the adapter needs, because WooCommerce cannot be installed here
 * (no wordpress.org): wc_add_notice() (checkout errors) and an order object with WC_Order's meta
 * methods. Everything else the plugin uses is WordPress itself. Then "WooCommerce loaded" is announced
 * the way WooCommerce does it, with the woocommerce_loaded action.
 *
 * @package Sapa
 */

$GLOBALS['sapa_test_wc_notices'] = array();

/**
 * Records a checkout notice (WooCommerce shows them and stops the checkout on "error").
 *
 * @param string $message Notice.
 * @param string $type    Notice type.
 */
function wc_add_notice( $message, $type = 'success' ) {
	$GLOBALS['sapa_test_wc_notices'][] = array(
		'type'    => $type,
		'message' => $message,
	);
}

/**
 * Stand-in for WC_Order: only the meta methods (WC_Data::update_meta_data / get_meta).
 */
class Sapa_Test_Order {

	/**
	 * Meta set on the order.
	 *
	 * @var array
	 */
	public $meta = array();

	/**
	 * As WC_Data::update_meta_data.
	 *
	 * @param string $key   Meta key.
	 * @param mixed  $value Value.
	 */
	public function update_meta_data( $key, $value ) {
		$this->meta[ $key ] = $value;
	}

	/**
	 * As WC_Data::get_meta (single value).
	 *
	 * @param string $key Meta key.
	 * @return mixed
	 */
	public function get_meta( $key ) {
		return isset( $this->meta[ $key ] ) ? $this->meta[ $key ] : '';
	}
}

do_action( 'woocommerce_loaded' );
