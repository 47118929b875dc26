<?php
/**
 * The smallest WooCommerce stand-in the adapter needs, because WooCommerce cannot be installed here
 * (no wordpress.org): wc_add_notice() (checkout errors), an order object with WC_Order's meta methods and
 * the block checkout's field registration with WooCommerce 11's checks. (`make e2e-woocommerce` runs the
 * plugin on a real WooCommerce the operator supplies.) Everything else the plugin uses is WordPress itself. Then "WooCommerce loaded" is announced
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

$GLOBALS['sapa_test_wc_orders'] = array();

/**
 * Stand-in for WC_Order: the meta methods (WC_Data::update_meta_data / get_meta), its id, date_modified
 * and save. A saved order is what wc_get_order() returns for its id: a copy, as WooCommerce reads a fresh
 * object from the database.
 */
class Sapa_Test_Order {

	/**
	 * Meta set on the order.
	 *
	 * @var array
	 */
	public $meta = array();

	/**
	 * Order id (0 until saved).
	 *
	 * @var int
	 */
	public $id = 0;

	/**
	 * Unix time of the last change, as WC_Data::set_date_modified takes it.
	 *
	 * @var int|null
	 */
	public $date_modified = null;

	/**
	 * How many times save() ran.
	 *
	 * @var int
	 */
	public $saves = 0;

	/**
	 * As WC_Data::get_id.
	 *
	 * @return int
	 */
	public function get_id() {
		return $this->id;
	}

	/**
	 * As WC_Order::set_date_modified (a timestamp).
	 *
	 * @param int $timestamp Unix time.
	 */
	public function set_date_modified( $timestamp ) {
		$this->date_modified = $timestamp;
	}

	/**
	 * As WC_Data::save: stores a copy under the order's id (a new id for a new order).
	 *
	 * @return int
	 */
	public function save() {
		if ( ! $this->id ) {
			$this->id = count( $GLOBALS['sapa_test_wc_orders'] ) + 1;
		}
		++$this->saves;
		$GLOBALS['sapa_test_wc_orders'][ $this->id ] = clone $this;
		return $this->id;
	}

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

/**
 * As wc_get_order: the order as last saved (a fresh copy), or false.
 *
 * @param int $order_id Order id.
 * @return Sapa_Test_Order|false
 */
function wc_get_order( $order_id ) {
	return isset( $GLOBALS['sapa_test_wc_orders'][ $order_id ] ) ? clone $GLOBALS['sapa_test_wc_orders'][ $order_id ] : false;
}

$GLOBALS['sapa_test_wc_checkout_fields'] = array();

/**
 * WooCommerce 11.0.1's woocommerce_register_additional_checkout_field, reduced to the checks it makes
 * before registering a field (Automattic\WooCommerce\Blocks\Domain\Services\CheckoutFields::
 * register_checkout_field, validate_options, register_field_attributes), each reported with
 * _doing_it_wrong as there; the registered fields are kept in $GLOBALS['sapa_test_wc_checkout_fields'].
 *
 * @param array $options Field options.
 */
function woocommerce_register_additional_checkout_field( $options ) {
	$wrong = function ( $message ) {
		_doing_it_wrong( 'woocommerce_register_additional_checkout_field', esc_html( $message ), '8.6.0' );
	};
	if ( ! did_action( 'after_setup_theme' ) && ! doing_action( 'after_setup_theme' ) ) {
		_doing_it_wrong( 'woocommerce_register_additional_checkout_field', 'Additional checkout fields should be registered on the woocommerce_init action or later.', '11.0.0' );
	}
	if ( empty( $options['id'] ) || count( explode( '/', $options['id'] ) ) < 2 || empty( $options['label'] ) ) {
		$wrong( 'A checkout field needs an id of the form namespace/name and a label.' );
		return;
	}
	$id = $options['id'];
	if ( empty( $options['location'] ) || ! in_array( $options['location'], array( 'contact', 'address', 'order' ), true ) ) {
		$wrong( sprintf( 'Unable to register field with id: "%s". The field location is invalid.', $id ) );
		return;
	}
	if ( isset( $GLOBALS['sapa_test_wc_checkout_fields'][ $id ] ) ) {
		$wrong( sprintf( 'Unable to register field with id: "%s". The field is already registered.', $id ) );
		return;
	}
	if ( ! empty( $options['type'] ) && ! in_array( $options['type'], array( 'text', 'select', 'checkbox' ), true ) ) {
		$wrong( sprintf( 'Unable to register field with id: "%s". Registering a field with type "%s" is not supported.', $id, $options['type'] ) );
		return;
	}
	$attributes = isset( $options['attributes'] ) && is_array( $options['attributes'] ) ? $options['attributes'] : array();
	$allowed    = array( 'maxLength', 'readOnly', 'pattern', 'autocomplete', 'autocapitalize', 'title' );
	$invalid    = array();
	foreach ( array_keys( $attributes ) as $key ) {
		if ( ! in_array( $key, $allowed, true ) && 0 !== strpos( $key, 'aria-' ) && 0 !== strpos( $key, 'data-' ) ) {
			$invalid[] = $key;
		}
	}
	if ( array() !== $invalid ) {
		$wrong( sprintf( 'Invalid attribute found when registering field with id: "%s". Attributes: %s are not allowed.', $id, implode( ', ', $invalid ) ) );
	}
	$GLOBALS['sapa_test_wc_checkout_fields'][ $id ] = $options;
}

do_action( 'woocommerce_loaded' );
