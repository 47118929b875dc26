<?php
/**
 * Shop-side actions for the e2e suite, each in its own process with WordPress and WooCommerce loaded, as a
 * staff action or a checkout would run them (WooCommerce queues a webhook delivery at the end of the request
 * that changed something; `run-queue` then runs Action Scheduler as WP-Cron would, in another process).
 * Prints one JSON value. Usage: php shop.php COMMAND [JSON-ARGUMENTS]
 *
 *   seed                           two products, a customer with a phone, two paid orders
 *   checkout {"number","opt_in"}   an order through the classic checkout's hooks (the plugin's fields)
 *   status {"id","status"}         change an order's status
 *   trash {"id"} / untrash {"id"}  trash an order / restore it
 *   run-queue                      run the Action Scheduler queue (webhook deliveries)
 *   webhooks                       wc_webhooks rows (with failure_count and pending_delivery)
 *   keys                           woocommerce_api_keys rows (no secrets)
 *   options                        the plugin's options (no API key)
 *   lose-connection                the plugin's connection options kept aside and deleted, as after a
 *                                  database restore (its WooCommerce key and Sapa's webhooks stay)
 *   restore-connection             puts them back if the plugin is not connected
 *
 * @package Sapa
 */

require dirname( __DIR__ ) . '/tests/support/wp-config.php';

$sapa_command = isset( $argv[1] ) ? $argv[1] : '';
$sapa_args    = isset( $argv[2] ) ? json_decode( $argv[2], true ) : array();

/**
 * A paid order for a product.
 *
 * @param WC_Product $product  Product.
 * @param array      $billing  Billing address.
 * @param int        $customer Customer id.
 * @return WC_Order
 */
function sapa_e2e_order( $product, array $billing, $customer = 0 ) {
	$order = new WC_Order();
	$order->set_customer_id( $customer );
	$order->set_address( $billing, 'billing' );
	$order->add_product( $product, 2 );
	$order->set_payment_method( 'bacs' );
	$order->calculate_totals();
	return $order;
}

switch ( $sapa_command ) {
	case 'seed':
		$products = array();
		foreach ( array( array( 'Kain Batik Parang', '250000' ), array( 'Selendang Sutra', '175000' ) ) as $item ) {
			$product = new WC_Product_Simple();
			$product->set_name( $item[0] );
			$product->set_regular_price( $item[1] );
			$product->set_manage_stock( true );
			$product->set_stock_quantity( 20 );
			$product->save();
			$products[] = $product->get_id();
		}
		$customer = new WC_Customer();
		$customer->set_email( 'sari-' . wp_generate_password( 6, false, false ) . '@example.test' );
		$customer->set_username( 'sari-' . wp_generate_password( 6, false, false ) );
		$customer->set_password( wp_generate_password() );
		$customer->set_first_name( 'Sari' );
		$customer->set_billing_phone( '0812-3456-7890' );
		$customer->set_billing_country( 'ID' );
		$customer->save();
		$orders = array();
		foreach ( array( '0812-3456-7890', '(0813) 5555 0002' ) as $i => $phone ) {
			$order = sapa_e2e_order(
				wc_get_product( $products[ $i ] ),
				array(
					'first_name' => 0 === $i ? 'Sari' : 'Budi',
					'phone'      => $phone,
					'country'    => 'ID',
					'email'      => 'buyer' . $i . '@example.test',
				),
				0 === $i ? $customer->get_id() : 0
			);
			$order->save();
			$order->update_status( 'processing' );
			$orders[] = $order->get_id();
		}
		$result = array(
			'products' => $products,
			'customer' => $customer->get_id(),
			'orders'   => $orders,
		);
		break;

	case 'checkout':
		// What WC_Checkout::process_checkout does around the plugin's hooks: validation, then the order is
		// created, the fields put on it (woocommerce_checkout_create_order) and saved.
		$_POST = array(
			'sapa_whatsapp'        => $sapa_args['number'],
			'sapa_whatsapp_opt_in' => $sapa_args['opt_in'] ? 'yes' : '',
		);
		do_action( 'woocommerce_checkout_process' );
		$errors = wc_get_notices( 'error' );
		if ( array() !== $errors ) {
			fwrite( STDERR, 'checkout refused: ' . wp_json_encode( $errors ) . "\n" );
			exit( 1 );
		}
		$products = wc_get_products( array( 'limit' => 1 ) );
		$order    = sapa_e2e_order(
			$products[0],
			array(
				'first_name' => 'Dewi',
				'phone'      => '0274-512345',
				'country'    => 'ID',
				'email'      => 'dewi@example.test',
			)
		);
		do_action( 'woocommerce_checkout_create_order', $order, array() );
		$order->save();
		$order->update_status( 'processing' );
		$result = array(
			'id'   => $order->get_id(),
			'meta' => array(
				'sapa_whatsapp'        => $order->get_meta( 'sapa_whatsapp' ),
				'sapa_whatsapp_opt_in' => $order->get_meta( 'sapa_whatsapp_opt_in' ),
			),
		);
		break;

	case 'status':
		$order = wc_get_order( (int) $sapa_args['id'] );
		$order->update_status( $sapa_args['status'] );
		$result = array( 'status' => $order->get_status() );
		break;

	case 'block-checkout-ready':
		// What a shop owner sets up before the block checkout can take an order: a payment method (bank
		// transfer) and, for this test shop, no shipping (no zones are set up, so none would be offered).
		update_option(
			'woocommerce_bacs_settings',
			array(
				'enabled' => 'yes',
				'title'   => 'Transfer bank',
			)
		);
		update_option( 'woocommerce_ship_to_countries', 'disabled' );
		$result = array( 'ready' => true );
		break;

	case 'order':
		$order  = wc_get_order( (int) $sapa_args['id'] );
		$result = array(
			'status'      => $order->get_status(),
			'created_via' => $order->get_created_via(),
			'meta'        => array(
				'sapa_whatsapp'        => $order->get_meta( 'sapa_whatsapp' ),
				'sapa_whatsapp_opt_in' => $order->get_meta( 'sapa_whatsapp_opt_in' ),
			),
		);
		break;

	case 'rest-order':
		// The order as WooCommerce's REST API (and so its webhooks) shows it, read as the shop's admin.
		wp_set_current_user( 1 );
		$response = rest_do_request( new WP_REST_Request( 'GET', '/wc/v3/orders/' . (int) $sapa_args['id'] ) );
		$result   = $response->get_data();
		break;

	case 'note':
		// As the order screen's "Add note" (to the customer or private) does: WC_Order::add_order_note.
		$order = wc_get_order( (int) $sapa_args['id'] );
		$order->add_order_note( $sapa_args['note'], empty( $sapa_args['customer'] ) ? 0 : 1, true );
		$stored = wc_get_order( (int) $sapa_args['id'] );
		$result = array(
			'tracking_number' => $stored->get_meta( '_sapa_tracking_number' ),
			'date_modified'   => $stored->get_date_modified()->getTimestamp(),
		);
		break;

	case 'trash':
		$order = wc_get_order( (int) $sapa_args['id'] );
		$order->delete( false );
		$result = array( 'status' => wc_get_order( (int) $sapa_args['id'] )->get_status() );
		break;

	case 'untrash':
		$order = wc_get_order( (int) $sapa_args['id'] );
		$result = array(
			'untrashed' => $order->untrash(),
			'status'    => wc_get_order( (int) $sapa_args['id'] )->get_status(),
		);
		break;

	case 'run-queue':
		$runner = ActionScheduler_QueueRunner::instance();
		$done   = 0;
		for ( $i = 0; $i < 10; $i++ ) {
			$ran   = $runner->run( 'E2E' );
			$done += $ran;
			if ( 0 === $ran ) {
				break;
			}
		}
		$result = array( 'actions_run' => $done );
		break;

	case 'webhooks':
		global $wpdb;
		$result = $wpdb->get_results( "SELECT webhook_id, status, name, delivery_url, topic, failure_count, pending_delivery FROM {$wpdb->prefix}wc_webhooks ORDER BY webhook_id", ARRAY_A );
		break;

	case 'keys':
		global $wpdb;
		$result = $wpdb->get_results( "SELECT key_id, user_id, description, permissions, truncated_key FROM {$wpdb->prefix}woocommerce_api_keys ORDER BY key_id", ARRAY_A );
		break;

	case 'options':
		$result = array(
			'connection'  => get_option( Sapa_Options::CONNECTION ),
			'has_api_key' => '' !== Sapa_Options::api_key(),
			'webhook_log' => Sapa_Webhooks::recorded(),
		);
		break;

	case 'lose-connection':
		update_option(
			'sapa_e2e_lost',
			array(
				'connection' => get_option( Sapa_Options::CONNECTION ),
				'api_key'    => Sapa_Options::api_key(),
			),
			false
		);
		delete_option( Sapa_Options::CONNECTION );
		delete_option( Sapa_Options::API_KEY );
		$result = array( 'connected' => Sapa_Options::is_connected() );
		break;

	case 'restore-connection':
		$lost = get_option( 'sapa_e2e_lost' );
		if ( ! Sapa_Options::is_connected() && is_array( $lost ) ) {
			Sapa_Options::save_connection( $lost['connection'], $lost['api_key'] );
		}
		delete_option( 'sapa_e2e_lost' );
		$result = array( 'connected' => Sapa_Options::is_connected() );
		break;

	default:
		fwrite( STDERR, "unknown command $sapa_command\n" );
		exit( 2 );
}
echo wp_json_encode( $result ) . "\n";
